"""SQLite storage: one table per sobject, one column per field; metadata, counters and jobs alongside."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sandbox.salesforce.values import sql_type

HIDDEN_COLUMNS = {"_del_root": "TEXT"}  # id of the record whose delete cascaded to this row


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


class Store:
    """The org's SQLite file; every public method is safe to call from any thread (one lock)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.lock = threading.RLock()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _counters (name TEXT PRIMARY KEY, value INTEGER)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _jobs (id TEXT PRIMARY KEY, info TEXT)")
        # lookups a delete cleared (deleteConstraint SetNull), put back by undelete of ``root``
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS _cleared (root TEXT, object TEXT, id TEXT, field TEXT, value TEXT)"
        )
        self.conn.execute("CREATE INDEX IF NOT EXISTS ix__cleared_root ON _cleared (root)")
        self._columns: dict[str, dict[str, str]] = {}

    # -- metadata -------------------------------------------------------------------------------
    def get_meta(self, key: str, default: Any = None) -> Any:
        with self.lock:
            row = self.conn.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value: Any) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", (key, json.dumps(value)))

    def next_counter(self, name: str, n: int = 1) -> int:
        """Reserve ``n`` consecutive values of a named counter; returns the first."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM _counters WHERE name = ?", (name,)).fetchone()
            start = (row[0] if row else 0) + 1
            self.conn.execute("INSERT OR REPLACE INTO _counters VALUES (?, ?)", (name, start + n - 1))
        return start

    # -- tables ---------------------------------------------------------------------------------
    def tables(self) -> list[str]:
        with self.lock:
            rows = self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE '\\_%' ESCAPE '\\' "
                "AND name NOT LIKE 'sqlite%'"
            ).fetchall()
        return [r[0] for r in rows]

    def columns(self, table: str) -> dict[str, str]:
        """Column name → declared type of a table (cached)."""
        if table not in self._columns:
            with self.lock:
                rows = self.conn.execute(f"PRAGMA table_info({q(table)})").fetchall()
            self._columns[table] = {r[1]: r[2] for r in rows}
        return self._columns[table]

    def ensure_table(self, obj: Any) -> None:
        """Create the table of an ObjectDef, or add the columns of fields it gained (ALTER TABLE)."""
        wanted: dict[str, str] = {}
        for f in obj.fields.values():
            decl = sql_type(f.type)
            if decl:
                wanted[f.name] = decl
        wanted.update(HIDDEN_COLUMNS)
        table = obj.name
        with self.lock:
            self._columns.pop(table, None)
            existing = self.columns(table)
            if not existing:
                cols = ", ".join(
                    f"{q(n)} {d}{' PRIMARY KEY' if n == 'Id' else ''}" for n, d in wanted.items()
                )
                self.conn.execute(f"CREATE TABLE {q(table)} ({cols})")
            else:
                lower = {c.lower() for c in existing}
                for n, d in wanted.items():
                    if n.lower() not in lower:
                        self.conn.execute(f"ALTER TABLE {q(table)} ADD COLUMN {q(n)} {d}")
            self._columns.pop(table, None)
            # indexes: what lookups, upserts and cascades search by (audit and owner lookups are not indexed,
            # they would slow every insert). Not IsDeleted: almost every row has the same value, and without
            # statistics SQLite picked that index for "<key> IN (...) AND IsDeleted = 0", a scan of the whole
            # table per query where Salesforce's optimizer uses the selective external id index
            # (the platform indexes Id, Name, lookups, audit dates and external ids, not IsDeleted:
            # https://developer.salesforce.com/docs/platform/salesforce-large-data-volumes-bp/guide/ldv-deployments-infrastructure-indexes.html)
            self.conn.execute(f"DROP INDEX IF EXISTS {q('ix_' + table + '_IsDeleted')}")
            indexed = [
                f.name
                for f in obj.fields.values()
                if (
                    f.unique
                    or f.external_id
                    or (
                        f.type == "reference"
                        and (
                            f.cascade_delete
                            or f.custom
                            or f.child_cascade_delete
                            or f.child_restricted_delete
                        )
                    )
                )
                and f.name in wanted
            ]
            for col in indexed:
                if col in wanted:
                    self.conn.execute(
                        f"CREATE INDEX IF NOT EXISTS {q('ix_' + table + '_' + col)} ON {q(table)} ({q(col)})"
                    )

    def drop_all(self) -> None:
        with self.lock:
            for t in self.tables():
                self.conn.execute(f"DROP TABLE {q(t)}")
            for t in ("_meta", "_counters", "_jobs", "_cleared"):
                self.conn.execute(f"DELETE FROM {t}")
            self._columns.clear()

    # -- rows -----------------------------------------------------------------------------------
    def execute(self, sql: str, params: Any = ()) -> list[tuple]:
        with self.lock:
            return self.conn.execute(sql, params).fetchall()

    def transaction(self) -> _Tx:
        return _Tx(self)

    def save_job(self, job: dict) -> None:
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO _jobs VALUES (?, ?)", (job["id"], json.dumps(job)))

    def load_jobs(self) -> list[dict]:
        with self.lock:
            return [json.loads(r[0]) for r in self.conn.execute("SELECT info FROM _jobs").fetchall()]

    def close(self) -> None:
        with self.lock:
            self.conn.close()


class _Tx:
    """``with store.transaction():`` — holds the lock and wraps BEGIN/COMMIT (ROLLBACK on error)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __enter__(self) -> sqlite3.Connection:
        self.store.lock.acquire()
        self.store.conn.execute("BEGIN IMMEDIATE")
        return self.store.conn

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            self.store.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.store.lock.release()
