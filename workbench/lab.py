"""``make lab``: JupyterLab on the project for analysts, and the read-only DuckDB helper notebooks import.

The lab opens in the project folder with the notebooks ready (``notebooks/analyst_start.ipynb`` first, the
report templates beside it), the kernel is this venv's, and the ``DP2SF_*`` settings of the shell that
started it reach the notebooks. Notebooks read the migration's DuckDB through :func:`open_duckdb`, which opens
it READ-ONLY: an analyst cannot change a mart, the quarantine or the ledger by accident. DuckDB lets many
readers share the file but not a reader and a writer: while ``dp2sf load`` (or another writer) has it open,
:func:`open_duckdb` says so instead of failing obscurely.

    python -m workbench.lab [--port 8888] [--no-browser]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from core.errors import Dp2sfError
from core.settings import PROJECT_DIR, Settings, get_settings

START_NOTEBOOK = "notebooks/analyst_start.ipynb"


class LabError(Dp2sfError):
    """The DuckDB cannot be opened for reading (missing, or a writer holds it)."""


def open_duckdb(
    settings: Settings | None = None, path: str | Path | None = None
) -> duckdb.DuckDBPyConnection:
    """The migration's DuckDB, read-only (``settings.duckdb_path`` unless ``path`` is given)."""
    db = Path(path) if path else (settings or get_settings()).duckdb_path
    if not db.is_file():
        raise LabError(f"no DuckDB at {db}: run `dp2sf extract` and `dp2sf transform` (or `make demo`) first")
    try:
        return duckdb.connect(str(db), read_only=True)
    except (duckdb.IOException, duckdb.ConnectionException) as exc:
        raise LabError(
            f"{db} is open for writing by another process (a load, a transform?): wait for it to finish, or "
            f"copy the file and pass path=: {exc}"
        ) from None


def tables(con: duckdb.DuckDBPyConnection):
    """Every table and view with its schema and row count (a first look for an analyst)."""
    rows = con.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_schema not in ('information_schema', 'pg_catalog') order by 1, 2"
    ).fetchall()
    out = [
        (schema, name, kind, con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0])
        for schema, name, kind in rows
    ]
    import pandas as pd

    return pd.DataFrame(out, columns=["schema", "table", "type", "rows"])


def lab_command(port: int | None = None, no_browser: bool = False, ip: str = "127.0.0.1") -> list[str]:
    """The ``jupyter lab`` command line: this venv, the project folder, localhost only."""
    cmd = [
        sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={PROJECT_DIR}", f"--ServerApp.ip={ip}",
        f"--LabApp.default_url=/lab/tree/{START_NOTEBOOK}",
    ]  # fmt: skip
    if port:
        cmd += [f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers often run as root; Jupyter refuses it
        cmd.append("--allow-root")
    return cmd


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - exec replaces the process
    parser = argparse.ArgumentParser(description="JupyterLab on the dp2sf project (DuckDB read-only).")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), os.environ.get("PYTHONPATH")]))
    cmd = lab_command(args.port, args.no_browser)
    os.execv(cmd[0], cmd)


if __name__ == "__main__":  # pragma: no cover
    main()
