"""The CLI's consoles and its one way to stop on an expected failure."""

from __future__ import annotations

import os

import typer
from rich.console import Console

from core.quoting import console_text


def _console(stderr: bool = False) -> Console:
    """A terminal's own width; elsewhere (CI, a pipe) 100 columns unless COLUMNS says otherwise, so the
    closing tables keep their object names whole."""
    plain = Console(stderr=stderr)
    if plain.is_terminal or os.environ.get("COLUMNS"):
        return plain
    return Console(stderr=stderr, width=100)


console = _console()
err = _console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    """One unwrapped line (escaped for rich markup: it may carry a tenant's text), then exit."""
    err.print(f"[bold red]error:[/] {console_text(message)}", soft_wrap=True)
    raise typer.Exit(code)
