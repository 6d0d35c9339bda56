"""Files that hold customer data or secrets are created owner-only: folders 0700, files 0600.

Created with the mode (``os.open``/``mkdir(mode=)``), never written first and ``chmod``-ed after, so there
is no moment at which another local user can read them. Used for ``credentials.json``/``endpoints.json``,
the DuckDB files, sample databases, the org's sqlite and the reports.
"""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: str | Path) -> Path:
    """``path`` and its missing parents created 0700; an existing folder is narrowed to 0700."""
    path = Path(path)
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    if path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(DIR_MODE)
    return path


def write_private(path: str | Path, text: str) -> Path:
    """``text`` written to ``path`` (UTF-8), the file created 0600 (an existing file is narrowed first)."""
    path = Path(path)
    if path.exists():
        path.chmod(FILE_MODE)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def owner_only_umask() -> int:
    """Every file and folder this process (and the sandbox servers it starts) creates from now on is
    owner-only (umask 077): the DuckDB files, sample databases, the org's sqlite, reports. Returns the old
    umask."""
    return os.umask(0o077)
