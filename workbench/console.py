"""The CLI's consoles and its one way to stop on an expected failure."""

from __future__ import annotations

import typer
from rich.console import Console

from core.quoting import console_text

console = Console()
err = Console(stderr=True)


def fail(message: str, code: int = 1) -> None:
    """One unwrapped line (escaped for rich markup: it may carry a tenant's text), then exit."""
    err.print(f"[bold red]error:[/] {console_text(message)}", soft_wrap=True)
    raise typer.Exit(code)
