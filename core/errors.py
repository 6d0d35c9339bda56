"""The one error base: every stage error derives from :class:`Dp2sfError`, so the CLI catches one class and
prints one line a person can act on (no traceback for an expected failure)."""

from __future__ import annotations


class Dp2sfError(RuntimeError):
    """An expected failure of a stage: its message says what went wrong and what to do."""

    exit_code = 1
