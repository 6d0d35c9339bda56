"""The raw contract of an extract: what dbt staging, lineage and the inventory rely on, comparable run to run.

``contract(db, schema_yaml)`` reads one extract's DuckDB and exported dlt schema:
* per raw table: columns with DuckDB type and nullability, and dlt's table and column hints (parent table,
  write disposition, primary / row / parent / root keys, data types);
* per table: every row's data columns (``_dlt_*`` values left out: they are random ids) keyed by its
  position in the record tree, i.e. the root record's key, then ``_dlt_list_idx`` per level, found by joining
  each child on ``_dlt_parent_id`` to its parent's ``_dlt_id``; a child whose parent or root is not found, or
  whose ``_dlt_root_id`` is not its root's ``_dlt_id``, is reported.

``compare(a, b)`` lists the differences. As a script, it extracts a tier twice (dlt's normalizer for every
table with child tables, then the Arrow path) or compares two existing runs:

    .venv/bin/python tests/extract/extract_contract.py --scale S --work /tmp/contract
    .venv/bin/python tests/extract/extract_contract.py --compare /tmp/a /tmp/b
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

DATASET = "raw_dispatch_pro"
ROOT_KEYS = {"job_dispatch_metadata": ("job_id",), "files": ("kind", "source_id")}
ROOT_KEYS |= {"file_errors": ("kind", "source_id"), "reports": ("category_id", "id")}
RUN_STAMPS = ("failed_at",)  # when a file failed: differs between runs like dlt's ids
TABLE_HINTS = ("parent", "write_disposition")
COLUMN_HINTS = ("data_type", "nullable", "primary_key", "row_key", "parent_key", "root_key", "unique")
# hint values that are dlt's defaults: a column with or without them is the same column
DEFAULTS = {("nullable", True)} | {(h, False) for h in COLUMN_HINTS[2:]}


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables "
        f"where table_schema = '{DATASET}' and table_name not like '\\_dlt%' escape '\\' order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def _parent(table: str, tables: set[str]) -> str | None:
    parts = table.split("__")
    for cut in range(len(parts) - 1, 0, -1):
        candidate = "__".join(parts[:cut])
        if candidate in tables:
            return candidate
    return None


def _schema_hints(schema_yaml: Path) -> dict[str, Any]:
    schema = yaml.safe_load(schema_yaml.read_text())
    out: dict[str, Any] = {}
    for name, table in schema["tables"].items():
        if name.startswith("_dlt"):
            continue
        columns = {
            c: {
                h: spec.get(h)
                for h in COLUMN_HINTS
                if spec.get(h) is not None and (h, spec.get(h)) not in DEFAULTS
            }
            for c, spec in (table.get("columns") or {}).items()
        }
        out[name] = {**{h: table.get(h) for h in TABLE_HINTS}, "columns": columns}
    return out


def contract(db: Path, schema_yaml: Path | None = None) -> dict[str, Any]:
    """Tables, columns, hints and keyed data of one extract (see the module docstring)."""
    con = duckdb.connect(str(db), read_only=True)
    problems: list[str] = []
    try:
        names = _tables(con)
        present = set(names)
        columns: dict[str, list[tuple]] = {}
        for table in names:
            columns[table] = con.execute(
                "select column_name, data_type, is_nullable from information_schema.columns "
                f"where table_schema = '{DATASET}' and table_name = '{table}' order by column_name"
            ).fetchall()
        keys: dict[str, str] = {}  # table -> SQL of (_dlt_id, path key, root _dlt_id)
        for table in sorted(names, key=lambda t: t.count("__")):
            parent = _parent(table, present)
            if parent is None:
                key_cols = ROOT_KEYS.get(table, ("id",))
                key = " || '|' || ".join(f'cast("{c}" as varchar)' for c in key_cols)
                keys[table] = f'select _dlt_id, {key} as k, _dlt_id as root from {DATASET}."{table}"'
            else:
                keys[table] = (
                    f"select c._dlt_id, p.k || '/' || cast(c._dlt_list_idx as varchar) as k, p.root "
                    f'from {DATASET}."{table}" c join ({keys[parent]}) p on c._dlt_parent_id = p._dlt_id'
                )
                total = con.execute(f'select count(*) from {DATASET}."{table}"').fetchone()[0]
                linked = con.execute(
                    f'select count(*), count(*) filter (c._dlt_root_id = p.root) from {DATASET}."{table}" c '
                    f"join ({keys[table]}) p on c._dlt_id = p._dlt_id"
                ).fetchone()
                if linked != (total, total):
                    problems.append(
                        f"{table}: {total} rows, {linked[0]} linked to a parent, {linked[1]} root ok"
                    )
        data: dict[str, list[tuple]] = {}
        for table in names:
            picked = [c for c, _, _ in columns[table] if not c.startswith("_dlt") and c not in RUN_STAMPS]
            quoted = ", ".join(["k.k", *[f't."{c}"' for c in picked]])
            dupes = con.execute(
                "select count(*) - count(distinct _dlt_id) + count(*) filter (_dlt_id is null) "
                f'from {DATASET}."{table}"'
            ).fetchone()[0]
            if dupes:
                problems.append(f"{table}: _dlt_id not unique or null ({dupes})")
            rows = con.execute(
                f'select {quoted} from {DATASET}."{table}" t join ({keys[table]}) k on t._dlt_id = k._dlt_id'
            ).fetchall()
            data[table] = sorted(rows, key=repr)
    finally:
        con.close()
    return {
        "columns": columns,
        "hints": _schema_hints(schema_yaml) if schema_yaml else None,
        "data": data,
        "problems": problems,
    }


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Differences between two contracts (empty: identical)."""
    out = [f"a: {p}" for p in a["problems"]] + [f"b: {p}" for p in b["problems"]]
    if set(a["columns"]) != set(b["columns"]):
        out.append(
            f"tables differ: only a {set(a['columns']) - set(b['columns'])}, "
            f"only b {set(b['columns']) - set(a['columns'])}"
        )
    for table in sorted(set(a["columns"]) & set(b["columns"])):
        if a["columns"][table] != b["columns"][table]:
            ca, cb = set(a["columns"][table]), set(b["columns"][table])
            out.append(f"{table} columns: only a {sorted(ca - cb)}, only b {sorted(cb - ca)}")
        if a["data"][table] != b["data"][table]:
            da, db_ = a["data"][table], b["data"][table]
            first = next(
                (i for i, (x, y) in enumerate(zip(da, db_, strict=False)) if x != y), min(len(da), len(db_))
            )
            out.append(
                f"{table} data: {len(da)} vs {len(db_)} rows; first difference "
                f"{da[first] if first < len(da) else None!r} / {db_[first] if first < len(db_) else None!r}"
            )
    if a["hints"] is not None and b["hints"] is not None:
        for table in sorted(set(a["hints"]) | set(b["hints"])):
            ha, hb = a["hints"].get(table), b["hints"].get(table)
            if ha != hb:
                out.append(f"{table} dlt schema hints: {ha!r} vs {hb!r}")
    return out


def extract_tier(
    scale: str, work: Path, arrow_nested: bool, with_files: bool = True
) -> tuple[Path, Path, float]:
    """One full extract of a fresh simulator at ``scale`` into ``work``: (duckdb, schema yaml, seconds)."""
    project = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(project))
    from core.settings import get_settings
    from dlt_pipelines.pipeline import run_extract
    from sandbox import control

    os.environ["SOURCES__DISPATCH_PRO__ARROW_TABLES"] = "true" if arrow_nested else "false"
    sandbox = work / "sandbox"
    control.up(sandbox, seed=42, scale=scale, which=("dispatch_pro",))
    try:
        settings = get_settings(data_dir=work / "data", sandbox_dir=sandbox)
        started = time.perf_counter()
        run_extract(settings, full=True)
        seconds = time.perf_counter() - started
    finally:
        control.down(sandbox)
    return settings.duckdb_path, settings.data_dir / "schemas" / "dispatch_pro.schema.yaml", seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--only", choices=["rows", "arrow"])
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    args = parser.parse_args()
    if args.compare:
        runs = args.compare
    else:
        runs = []
        for mode in ("rows", "arrow"):
            target = args.work / mode
            if args.only in (None, mode):
                db, _, seconds = extract_tier(args.scale, target, arrow_nested=mode == "arrow")
                print(f"{mode}: {seconds:.1f} s", flush=True)
            runs.append(target)
    found = [
        contract(r / "data" / "dp2sf.duckdb", r / "data" / "schemas" / "dispatch_pro.schema.yaml")
        for r in runs
    ]
    differences = compare(*found)
    print("\n".join(differences) or "identical contract")
    raise SystemExit(1 if differences else 0)


if __name__ == "__main__":
    main()
