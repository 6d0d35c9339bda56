"""The build stamp: what the marts in a DuckDB were built from (mapping hash, invoice mode, Person Accounts,
time).

``dp2sf transform`` writes it (table ``salesforce.build_stamp``, one row) right after a green ``dbt build``,
with the mapping hash computed from the files the build read. Every later stage reads it instead of
recomputing the hash from the working tree or taking the invoice mode as an argument: the gate, the ledger's
runs, the sample, validate, pre-scan and the reports describe the marts that are there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.errors import Dp2sfError

SCHEMA = "salesforce"
TABLE = "build_stamp"
INVOICE_MODES = ("custom", "order")


class NoBuildError(Dp2sfError):
    """The DuckDB holds no build stamp: its marts were never built by ``dp2sf transform``."""


@dataclass(frozen=True)
class BuildStamp:
    """What one ``dp2sf transform`` built."""

    mapping_hash: str
    invoices: str
    built_at: datetime
    # residential customers built as Person Accounts (issue 20 §3; the dbt var ``person_accounts``)
    person_accounts: bool = False
    engine: str = "duckdb"  # where dbt ran (issue 22): duckdb | spark


def write_build_stamp(
    con: duckdb.DuckDBPyConnection,
    mapping_hash: str,
    invoices: str,
    person_accounts: bool = False,
    engine: str = "duckdb",
) -> BuildStamp:
    """Replace the stamp (called by the transform stage only, right after ``dbt build``)."""
    built_at = datetime.now(UTC).replace(tzinfo=None)
    stamp = BuildStamp(mapping_hash, invoices, built_at, person_accounts, engine)
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(
        f"create or replace table {SCHEMA}.{TABLE} (mapping_hash varchar not null, "
        "invoices varchar not null, built_at timestamp not null, person_accounts boolean not null, "
        "engine varchar not null default 'duckdb')"
    )
    con.execute(
        f"insert into {SCHEMA}.{TABLE} values (?, ?, ?, ?, ?)",
        [mapping_hash, invoices, stamp.built_at, person_accounts, engine],
    )
    return stamp


def read_build_stamp(con: duckdb.DuckDBPyConnection) -> BuildStamp | None:
    """The stamp of the marts in ``con``'s database, or None when there is none."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, TABLE],
    ).fetchone()[0]
    if not exists:
        return None
    columns = {c[0] for c in con.execute(f"describe {SCHEMA}.{TABLE}").fetchall()}
    person = "person_accounts" if "person_accounts" in columns else "false"  # a stamp from before issue 20
    engine = "engine" if "engine" in columns else "'duckdb'"  # a stamp written before issue 22
    row = con.execute(
        f"select mapping_hash, invoices, built_at, {person}, {engine} from {SCHEMA}.{TABLE} limit 1"
    ).fetchone()
    return BuildStamp(*row) if row else None


def build_stamp(duckdb_path: Path | str) -> BuildStamp:
    """The stamp of the DuckDB file at ``duckdb_path`` (opened read-only); :class:`NoBuildError` without."""
    path = Path(duckdb_path)
    if not path.is_file():
        raise NoBuildError(f"no DuckDB at {path}: run `dp2sf extract` and `dp2sf transform` first")
    with duckdb.connect(str(path), read_only=True) as con:
        stamp = read_build_stamp(con)
    if stamp is None:
        raise NoBuildError(f"the marts in {path} carry no build stamp: run `dp2sf transform`")
    return stamp


def built_person_accounts(duckdb_path: Path | str) -> bool:
    """Whether the marts were built with residential customers as Person Accounts (False: nothing built)."""
    try:
        return build_stamp(duckdb_path).person_accounts
    except NoBuildError:
        return False


def built_invoices(duckdb_path: Path | str, default: str = "custom") -> str:
    """The invoice mode the marts were built with (``default`` where nothing was built yet)."""
    try:
        return build_stamp(duckdb_path).invoices
    except NoBuildError:
        return default
