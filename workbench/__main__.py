"""``python -m workbench`` is the ``dp2sf`` command."""

from workbench.cli import app

app(prog_name="dp2sf")
