"""``python -m workbench`` is the ``dp2sf`` command."""

from workbench.cli import main

main()
