"""``dp2sf map diff --base <ref>``: what a mapping change does to the migrated data.

The marts are built twice on the SAME raw data: once from the dbt project at the base git ref (``git
archive`` of ``dbt_project/`` and the Python its dbt plugin imports: ``mapping/``, ``core/``, and
``workbench/`` at refs before the package split) into a temp dir, so the base's own dbt plugin and UDFs run),
once from a copy of the working tree (contracts regenerated from its seeds, as ``dp2sf transform`` does). Each
build runs on its own copy of the raw tables (``raw_dispatch_pro`` copied out of the user's DuckDB, which is
only read). Then, per Salesforce object (keyed on ``Dispatch_Pro_Id__c``) and field: records added, removed
and changed, with examples, and the change in the quarantine (records held back and values flagged). CSVs
under ``reports/<run>/map_diff/`` and the HTML report ``reports/<run>/map_diff.html``.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import Dp2sfError
from core.ids import EXTERNAL_ID, new_run_id
from core.quoting import sql_ident, sql_literal, write_csv
from core.settings import Settings
from core.stamp import built_person_accounts
from mapping.transform import dbt_vars

RAW_SCHEMA = "raw_dispatch_pro"
MART_SCHEMA = "salesforce"
KEY = EXTERNAL_ID
SIDES = ("base", "head")
EXAMPLES_PER_FIELD = 5
CSV_NAMES = ("summary", "fields", "changes", "records", "quarantine", "flagged")


class MapDiffError(Dp2sfError):
    """The base ref cannot be read, or dbt failed on one side (the message names the side and the nodes)."""


@dataclass
class MapDiffResult:
    """Where the diff is and what it found."""

    run_id: str
    base: str
    out_dir: Path
    summary: pd.DataFrame
    fields: pd.DataFrame
    examples: pd.DataFrame
    quarantine: pd.DataFrame
    flagged: pd.DataFrame
    html: Path | None = None
    seconds: float = 0.0
    csvs: dict[str, Path] = field(default_factory=dict)

    def changed_keys(self, obj: str) -> set[str]:
        """Keys of the records of ``obj`` that changed in at least one field."""
        return set(self.examples_all.loc[self.examples_all["object"] == obj, "key"])

    examples_all: pd.DataFrame = field(default_factory=pd.DataFrame)


# what a build of the mapping needs: the dbt project and the packages its plugin imports (``workbench/`` held
# the plugin before the package split, so older refs bring it)
MAPPING_PARTS = ("dbt_project", "mapping", "core", "workbench")


def export_ref(project_dir: Path, ref: str, dest: Path) -> Path:
    """The mapping's parts (:data:`MAPPING_PARTS`) as they are at ``ref``, extracted under ``dest``."""
    listed = subprocess.run(
        ["git", "ls-tree", "--name-only", ref], cwd=project_dir, capture_output=True, text=True, check=False
    )
    parts = [p for p in MAPPING_PARTS if p in listed.stdout.split()] or ["dbt_project"]
    proc = subprocess.run(
        ["git", "archive", "--format=tar", ref, *parts],
        cwd=project_dir, capture_output=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise MapDiffError(f"cannot read git ref {ref!r}: {proc.stderr.decode(errors='replace').strip()}")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def copy_tree(settings: Settings, tmp: Path) -> Path:
    """The working tree's mapping parts (:data:`MAPPING_PARTS`) copied under ``tmp/head``, with the marts'
    contracts regenerated from its seeds (as ``dp2sf transform`` does: a proposed custom field gets its
    column)."""
    from core.fields import FieldListError
    from mapping.contracts import write_mart_properties

    root = tmp / "head"
    skip = shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__", ".user.yml")
    for part in MAPPING_PARTS:
        if (settings.project_dir / part).is_dir():
            shutil.copytree(settings.project_dir / part, root / part, ignore=skip)
    try:
        write_mart_properties(root / "dbt_project")
    except FieldListError as exc:
        raise MapDiffError(f"the working tree's field list is broken: {exc}") from None
    return root


def copy_raw(source: Path, dest: Path, schema: str = RAW_SCHEMA) -> Path:
    """A new DuckDB at ``dest`` holding a copy of the raw tables of ``source`` (opened read-only)."""
    if not source.is_file():
        raise MapDiffError(f"no DuckDB at {source}: run `dp2sf extract` first")
    with duckdb.connect(str(dest)) as con:
        con.execute(f"attach {sql_literal(str(source))} as src (read_only)")
        tables = [
            t for (t,) in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'src' "
                "and table_schema = ? order by 1", [schema],
            ).fetchall()
        ]  # fmt: skip
        if not tables:
            raise MapDiffError(f"no raw tables in {source} (schema {schema}): run `dp2sf extract` first")
        con.execute(f"create schema {schema}")
        for t in tables:
            con.execute(f"create table {schema}.{sql_ident(t)} as select * from src.{schema}.{sql_ident(t)}")
        con.execute("detach src")
    return dest


def build_marts(
    project_root: Path,
    duckdb_path: Path,
    work: Path,
    invoices: str,
    side: str,
    source_locale: str,
    person_accounts: bool,
) -> None:
    """One ``dbt build`` of the seeds and models of ``project_root/dbt_project`` on ``duckdb_path``, with the
    vars ``dp2sf transform`` passes (tests are the CI's job; the diff needs the data: one invocation, one
    parse). ``project_root`` goes first on PYTHONPATH so its own dbt plugin is used."""
    env = {
        **os.environ,
        "DP2SF_DUCKDB_PATH": str(duckdb_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PYTHONPATH": os.pathsep.join([str(project_root), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    }
    project = project_root / "dbt_project"
    args = [
        sys.executable, "-m", "dbt.cli.main", "build", "--resource-type", "seed", "--resource-type", "model",
        "--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"), "--vars", dbt_vars(invoices, source_locale, person_accounts),
    ]  # fmt: skip
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "error" in ln.lower()]
        raise MapDiffError(f"dbt build failed at the {side}: " + " | ".join(lines[-5:]))


def _tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str) -> dict[str, list[str]]:
    rows = con.execute(
        "select table_name, column_name from information_schema.columns where table_catalog = ? "
        "and table_schema = ? order by table_name, ordinal_position",
        [catalog, schema],
    ).fetchall()
    out: dict[str, list[str]] = {}
    for t, c in rows:
        out.setdefault(t, []).append(c)
    return out


def compare(base_db: Path, head_db: Path, examples: int = EXAMPLES_PER_FIELD) -> dict[str, pd.DataFrame]:
    """Per object and field: records added, removed, changed (with examples), and the quarantine's change."""
    con = duckdb.connect()
    try:
        con.execute(f"attach {sql_literal(str(base_db))} as base (read_only)")
        con.execute(f"attach {sql_literal(str(head_db))} as head (read_only)")
        base_t, head_t = _tables(con, "base", MART_SCHEMA), _tables(con, "head", MART_SCHEMA)
        summary, fields, changes = [], [], []
        for obj in sorted(set(base_t) | set(head_t)):
            b_cols, h_cols = base_t.get(obj, []), head_t.get(obj, [])
            rel = f"{MART_SCHEMA}.{sql_ident(obj)}"
            if KEY not in b_cols or KEY not in h_cols:
                summary.append(_whole_object(con, obj, rel, b_cols, h_cols))
                continue
            k = sql_ident(KEY)
            b, h = f"base.{rel}", f"head.{rel}"
            added, removed, n_b, n_h = con.execute(
                f"select (select count(*) from {h} where {k} not in (select {k} from {b})), "
                f"(select count(*) from {b} where {k} not in (select {k} from {h})), "
                f"(select count(*) from {b}), (select count(*) from {h})"
            ).fetchone()
            common = [c for c in h_cols if c in b_cols and c != KEY]
            for c in common:
                rows = con.execute(
                    f"select cast(b.{k} as varchar), cast(b.{sql_ident(c)} as varchar), "
                    f"cast(h.{sql_ident(c)} as varchar) "
                    f"from {b} as b join {h} as h on b.{k} = h.{k} "
                    f"where b.{sql_ident(c)} is distinct from h.{sql_ident(c)} order by 1"
                ).fetchall()
                if rows:
                    fields.append({"object": obj, "field": c, "changed": len(rows)})
                    changes += [
                        {"object": obj, "key": key, "field": c, "base_value": bv, "head_value": hv}
                        for key, bv, hv in rows
                    ]
            # a field only one side has: each record of both sides with a value there changed
            for side, cols, others, note in (
                ("h", h_cols, b_cols, "field added"),
                ("b", b_cols, h_cols, "field removed"),
            ):
                for c in (c for c in cols if c not in others):
                    rows = con.execute(
                        f"select cast(b.{k} as varchar), cast({side}.{sql_ident(c)} as varchar) from "
                        f"{b} as b "
                        f"join {h} as h on b.{k} = h.{k} where {side}.{sql_ident(c)} is not null order by 1"
                    ).fetchall()
                    fields.append({"object": obj, "field": c, "changed": len(rows), "note": note})
                    changes += [
                        {"object": obj, "key": key, "field": c, "base_value": v if side == "b" else None,
                         "head_value": v if side == "h" else None}
                        for key, v in rows
                    ]  # fmt: skip
            changed = len({r["key"] for r in changes if r["object"] == obj})
            summary.append({"object": obj, "base_rows": n_b, "head_rows": n_h, "added": added,
                            "removed": removed, "changed": changed})  # fmt: skip
        records = _record_changes(con, base_t, head_t)
        quarantine = _set_change(con, "quarantine.quarantine_all")
        flagged = _set_change(con, "quarantine.flagged_values")
    finally:
        con.close()
    changes_df = pd.DataFrame(changes, columns=["object", "key", "field", "base_value", "head_value"])
    fields_df = pd.DataFrame(fields, columns=["object", "field", "changed", "note"])
    examples_df = changes_df.groupby(["object", "field"], group_keys=False).head(examples)
    return {
        "summary": pd.DataFrame(
            summary, columns=["object", "base_rows", "head_rows", "added", "removed", "changed"]
        ),
        "fields": fields_df.sort_values(["object", "changed"], ascending=[True, False], ignore_index=True),
        "changes": changes_df,
        "examples": examples_df.reset_index(drop=True),
        "records": records,
        "quarantine": quarantine,
        "flagged": flagged,
    }


def _whole_object(con, obj: str, rel: str, b_cols: list[str], h_cols: list[str]) -> dict:
    n_b = con.execute(f"select count(*) from base.{rel}").fetchone()[0] if b_cols else 0
    n_h = con.execute(f"select count(*) from head.{rel}").fetchone()[0] if h_cols else 0
    return {"object": obj, "base_rows": n_b, "head_rows": n_h, "added": n_h if not b_cols else 0,
            "removed": n_b if not h_cols else 0, "changed": 0}  # fmt: skip


def _record_changes(con, base_t: dict, head_t: dict) -> pd.DataFrame:
    """Keys of the records added and removed, per object."""
    frames = []
    k = sql_ident(KEY)
    for obj in sorted(set(base_t) & set(head_t)):
        if KEY not in base_t[obj] or KEY not in head_t[obj]:
            continue
        rel = f"{MART_SCHEMA}.{sql_ident(obj)}"
        frames.append(
            con.execute(
                f"select ? as object, cast({k} as varchar) as key, 'added' as change from head.{rel} "
                f"where {k} not in (select {k} from base.{rel}) union all "
                f"select ?, cast({k} as varchar), 'removed' from base.{rel} "
                f"where {k} not in (select {k} from head.{rel}) order by 3, 2",
                [obj, obj],
            ).df()
        )
    return (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["object", "key", "change"])
    )


def _set_change(con, relation: str) -> pd.DataFrame:
    """Rows of a quarantine table present on one side only, marked added (head only) or removed."""
    cols = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_catalog = 'head' "
        "and table_schema || '.' || table_name = ? order by ordinal_position", [relation],
    ).fetchall()]  # fmt: skip
    base_cols = {c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_catalog = 'base' "
        "and table_schema || '.' || table_name = ?", [relation],
    ).fetchall()}  # fmt: skip
    cols = [c for c in cols if c in base_cols]
    if not cols:
        return pd.DataFrame(columns=["change"])
    select = ", ".join(f"cast({sql_ident(c)} as varchar) as {sql_ident(c)}" for c in cols)
    schema, table = relation.split(".")
    b, h = f"base.{schema}.{sql_ident(table)}", f"head.{schema}.{sql_ident(table)}"
    return con.execute(
        f"(select 'added' as change, * from (select {select} from {h} except select {select} from {b})) "
        f"union all (select 'removed', * from (select {select} from {b} except select {select} from {h})) "
        "order by all"
    ).df()


def run_map_diff(
    settings: Settings,
    base: str,
    invoices: str = "custom",
    run_id: str | None = None,
    mask_pii: bool = False,
) -> MapDiffResult:
    """Build the marts at ``base`` and at the working tree on copies of the same raw data; write the diff
    (with ``mask_pii``, the CSVs and so the report carry hashed names, emails and phone numbers)."""
    started = time.monotonic()
    run_id = run_id or new_run_id("map-diff")
    out_dir = settings.reports_dir / run_id
    with tempfile.TemporaryDirectory(prefix="dp2sf-map-diff-") as tmp_name:
        tmp = Path(tmp_name)
        roots = {
            "base": export_ref(settings.project_dir, base, tmp / "base"),
            "head": copy_tree(settings, tmp),
        }
        dbs = {}
        person = built_person_accounts(settings.duckdb_path)  # the shape the user's marts were built in
        for side in SIDES:
            dbs[side] = copy_raw(settings.duckdb_path, tmp / f"{side}.duckdb")
            build_marts(
                roots[side], dbs[side], tmp / f"dbt-{side}", invoices, side, settings.source_locale, person
            )
        frames = compare(dbs["base"], dbs["head"])
    csv_dir = out_dir / "map_diff"
    csv_dir.mkdir(parents=True, exist_ok=True)
    csvs = {}
    for name in CSV_NAMES:
        csvs[name] = csv_dir / f"{name}.csv"
        write_csv(show(frames[name], mask_pii), csvs[name])
    result = MapDiffResult(
        run_id=run_id, base=base, out_dir=out_dir, summary=frames["summary"], fields=frames["fields"],
        examples=frames["examples"], quarantine=frames["quarantine"], flagged=frames["flagged"], csvs=csvs,
        examples_all=frames["changes"],
    )  # fmt: skip
    shutil.rmtree(out_dir / ".ipynb_checkpoints", ignore_errors=True)
    result.seconds = time.monotonic() - started
    return result


def read_diff(diff_dir: str | Path) -> dict[str, pd.DataFrame]:
    """The diff's CSVs as frames (the report reads these, not the DuckDB files, which are gone)."""
    d = Path(diff_dir)
    frames = {n: pd.read_csv(d / f"{n}.csv", dtype=str, keep_default_na=False) for n in CSV_NAMES}
    for name, cols in (
        ("summary", ["base_rows", "head_rows", "added", "removed", "changed"]),
        ("fields", ["changed"]),
    ):
        frames[name][cols] = frames[name][cols].apply(pd.to_numeric)
    return frames


def show(frame: pd.DataFrame, mask_pii: bool = False) -> pd.DataFrame:
    """Every table the report writes or displays passes here (one place to mask personal data)."""
    from core.pii import maybe_mask

    return maybe_mask(frame, mask_pii)
