"""Helpers for the extract tests: admin calls to the simulator and raw-table snapshots from DuckDB."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import requests

from core.settings import Settings, get_settings

DATASET = "raw_dispatch_pro"
NOT_TABLES = ("job_history_records", "signatures", "signature_files", "signatures_refused")  # not tables


@dataclass
class Sim:
    """One Dispatch Pro simulator started for a test module (tests may mutate it)."""

    state_dir: Path
    endpoints: dict[str, Any]

    def admin(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method,
            f"{self.endpoints['admin_url']}/{path}",
            headers={"X-Admin-Token": self.endpoints["admin_token"]},
            timeout=30,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def counts(self) -> dict[str, int]:
        return self.admin("GET", "counts", params={"nested": "true"})

    def requests(self, path_contains: str = "") -> list[dict[str, Any]]:
        return self.admin("GET", "requests", params={"path_contains": path_contains})["requests"]

    def settings(self, data_dir: Path) -> Settings:
        return get_settings(data_dir=data_dir, sandbox_dir=self.state_dir)


def query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def tables(db: Path) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return _tables(con)
    finally:
        con.close()


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        f"where table_schema = '{DATASET}' and table_name not like '\\_dlt%' escape '\\' order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every raw table's content without dlt's row ids, as sorted tuples (child rows keyed by their root).

    Root rows: all data columns. Child rows: the root row's key plus the child's data columns and list index,
    so the comparison does not depend on dlt's random ``_dlt_id`` values.
    """
    out: dict[str, list[tuple]] = {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        for table in _tables(con):
            cols = con.execute(
                "select column_name from information_schema.columns "
                f"where table_schema = '{DATASET}' and table_name = '{table}' order by column_name"
            ).fetchall()
            # run-time stamps (when a file failed) differ between runs like dlt's own ids
            data = [c for (c,) in cols if not c.startswith("_dlt") and c != "failed_at"]
            if "__" not in table:
                quoted = ", ".join(f'"{c}"' for c in data)
                sql = f'select {quoted} from {DATASET}."{table}"'
            else:
                root = table.split("__")[0]
                key = "job_id" if root == "job_dispatch_metadata" else "id"
                picked = ", ".join([f"r.{key}", "c._dlt_list_idx", *[f'c."{c}"' for c in data]])
                sql = (
                    f'select {picked} from {DATASET}."{table}" c '
                    f'join {DATASET}."{root}" r on c._dlt_root_id = r._dlt_id'
                )
            out[table] = sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()
    return out


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
