"""``dp2sf validate``: run each mart's GX checkpoint; hold back the rows the org would refuse.

Reads every mart from DuckDB (read-only) in chunks as text, validates each chunk with the mart's checkpoint,
and writes ``gates.gates_all`` (blocking failures: one row per broken rule of a held-back record, the columns
of ``quarantine.quarantine_all``) and ``gates.gates_warnings`` (reported only). Chunks split on a hash of the
upsert key, so a duplicate key always meets its twin in one chunk. Data Docs: ``reports/<run>/data_docs``.
"""

from __future__ import annotations

import hashlib
import math
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import Dp2sfError
from core.fields import shape_columns
from core.ids import new_run_id
from core.quoting import sql_ident
from core.settings import Settings
from core.stamp import built_invoices, read_build_stamp
from expectations.org import OrgMetadata, OrgReadError, read_org_metadata
from expectations.suites import UPSERT_KEY, Rule, generate_rules

GATE_COLUMNS = ["object_name", "source_key", "rule", "column_name", "value", "reason"]
DEFAULT_CHUNK_ROWS = 250_000


class ValidateError(Dp2sfError):
    """The gates could not run (no marts, org unreachable, suites out of date, an expectation errored)."""


class StaleSuitesError(ValidateError):
    """The org's describe or the marts changed since the suites were generated: ``--refresh``."""


@dataclass
class ObjectOutcome:
    """What the gates found in one mart."""

    rows: int = 0
    held: int = 0  # distinct records held back
    failures: dict[str, int] = field(default_factory=dict)  # blocking rule -> failing rows
    warnings: dict[str, int] = field(default_factory=dict)
    expectations: int = 0
    chunks: int = 0


@dataclass
class ValidateResult:
    run_id: str
    seconds: float
    objects: dict[str, ObjectOutcome]
    gates_rows: int
    warning_rows: int
    regenerated: list[str]
    data_docs: Path | None
    notes: list[str] = field(default_factory=list)

    @property
    def held(self) -> int:
        return sum(o.held for o in self.objects.values())


def mart_columns(con: duckdb.DuckDBPyConnection, objects: list[str]) -> dict[str, list[str]]:
    """The columns of each mart that exists in schema ``salesforce``, in order; marts built without Person
    Accounts (the build stamp) leave the person-only columns out: a plain org has no such field."""
    rows = con.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'salesforce' order by table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        if table in objects:
            out.setdefault(table, []).append(column)
    stamp = read_build_stamp(con)
    person_accounts = bool(stamp and stamp.person_accounts)
    return {table: shape_columns(table, cols, person_accounts) for table, cols in out.items()}


def read_chunks(
    con: duckdb.DuckDBPyConnection, obj: str, columns: list[str], chunk_rows: int
) -> Iterator[pd.DataFrame]:
    """The mart as text frames of at most about ``chunk_rows`` rows, split on a hash of the upsert key."""
    total = con.execute(f"select count(*) from salesforce.{sql_ident(obj)}").fetchone()[0]
    chunks = max(1, math.ceil(total / chunk_rows))
    select = ", ".join(f"cast({sql_ident(c)} as varchar) as {sql_ident(c)}" for c in columns)
    key = sql_ident(UPSERT_KEY) if UPSERT_KEY in columns else "rowid"
    for i in range(chunks):
        where = "" if chunks == 1 else f" where hash({key}) % {chunks} = {i}"
        yield con.execute(f"select {select} from salesforce.{sql_ident(obj)}{where}").df()


def add_derived(df: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    """Columns some rules read that the mart does not have (a required field fed by several columns)."""
    from expectations.formula import evaluate

    for rule in rules:
        spec = rule.derived
        if not spec or rule.column in df.columns:
            continue
        if spec["kind"] == "coalesce":
            present = [c for c in spec["columns"] if c in df.columns]
            value = df[present].bfill(axis=1).iloc[:, 0] if present else pd.Series(None, index=df.index)
            df[rule.column] = value.astype(object)
        elif spec["kind"] == "formula":
            df[rule.column] = evaluate(spec["formula"], df)
    return df


def _objects_to_check(settings: Settings, invoices: str) -> list[str]:
    from core.fields import load_field_list

    return [o.name for o in load_field_list().enabled_objects(invoices)]


def prepare_suites(
    context, org: OrgMetadata, columns: dict[str, list[str]], refresh: bool
) -> tuple[dict[str, list[Rule]], list[str]]:
    """The rules per mart: regenerated when asked or missing; a stale suite stops the run."""
    from expectations.context import save_object_rules, suite_fingerprint, suite_rules

    regenerated, stale, rules = [], [], {}
    for obj, cols in columns.items():
        fingerprint = hashlib.sha256(f"{org.fingerprint(obj)}|{'|'.join(cols)}".encode()).hexdigest()[:16]
        saved = suite_fingerprint(context, obj)
        if refresh or saved is None:
            generated = generate_rules(obj, org.describes.get(obj), cols, fingerprint, org.validation_rules)
            save_object_rules(context, generated)
            regenerated.append(obj)
        elif saved != fingerprint:
            stale.append(obj)
            continue
        rules[obj] = suite_rules(context, obj)
    if stale:
        raise StaleSuitesError(
            f"the org or the marts changed since the suites of {', '.join(stale)} were generated: "
            "run `dp2sf validate --refresh` to regenerate them from the org's describe"
        )
    return rules, regenerated


def _text(value) -> str | None:
    """A frame value as text (None for null/NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _collect(obj: str, checkpoint_result, outcome: ObjectOutcome, held: list, warned: list) -> list[str]:
    errors = []
    for run in checkpoint_result.run_results.values():
        for r in run.results:
            meta = r.expectation_config.meta or {}
            rule, fld, reason = meta.get("rule", "?"), meta.get("field", ""), meta.get("reason", "")
            if r.exception_info and r.exception_info.get("raised_exception"):
                errors.append(f"{obj} {rule} on {fld}: {r.exception_info.get('exception_message')}")
                continue
            if r.success:
                continue
            column = r.expectation_config.kwargs.get("column")
            blocking = str(getattr(r.expectation_config.severity, "value", "critical")) == "critical"
            index = r.result.get("unexpected_index_list") or []
            target, counts = (held, outcome.failures) if blocking else (warned, outcome.warnings)
            counts[rule] = counts.get(rule, 0) + len(index)
            for item in index:
                value, key = _text(item.get(column)), _text(item.get(UPSERT_KEY))
                target.append((obj, key, rule, fld, value, reason))
    return errors


def validate_frame(
    checkpoint,
    obj: str,
    rules: list[Rule],
    frame: pd.DataFrame,
    outcome: ObjectOutcome,
    held: list,
    warned: list,
) -> list[str]:
    """Run ``checkpoint`` on one text frame; append gate rows to ``held``/``warned``; return errors."""
    frame = add_derived(frame, rules)
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    return _collect(obj, result, outcome, held, warned)


def write_gates(duckdb_path: Path, held: list[tuple], warned: list[tuple]) -> None:
    """Replace ``gates.gates_all`` and ``gates.gates_warnings`` (same columns as quarantine_all)."""
    with duckdb.connect(str(duckdb_path)) as con:
        con.execute("create schema if not exists gates")
        for table, rows in (("gates_all", held), ("gates_warnings", warned)):
            cols = ", ".join(f"{c} varchar" for c in GATE_COLUMNS)
            con.execute(f"create or replace table gates.{table} ({cols})")
            if rows:
                frame = pd.DataFrame(rows, columns=GATE_COLUMNS)  # noqa: F841 - read by DuckDB below
                con.execute(f"insert into gates.{table} select * from frame")


def _publish_docs(context, project_dir: Path, target: Path) -> Path | None:
    context.build_data_docs()
    site = project_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    if not site.is_dir():
        return None
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(site, target)
    return target / "index.html"


def run_validate(
    settings: Settings,
    refresh: bool = False,
    run_id: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    data_docs: bool = True,
) -> ValidateResult:
    """Run every mart's checkpoint; write the gates tables and Data Docs; raise ValidateError if it cannot."""
    from expectations.context import checkpoint_name, open_context

    started = time.perf_counter()
    run_id = run_id or new_run_id("validate")
    if not settings.duckdb_path.is_file():
        raise ValidateError(f"no DuckDB at {settings.duckdb_path}: run `dp2sf extract` and `dp2sf transform`")
    objects = _objects_to_check(settings, built_invoices(settings.duckdb_path))
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        columns = mart_columns(con, objects)
    if not columns:
        raise ValidateError("no marts in schema salesforce: run `dp2sf transform` first")
    try:
        org = read_org_metadata(settings, list(columns))
    except OrgReadError as exc:
        raise ValidateError(str(exc)) from None
    project_dir = Path(settings.gx_project_dir)
    context = open_context(project_dir)
    shutil.rmtree(project_dir / "gx" / "uncommitted" / "validations", ignore_errors=True)
    rules, regenerated = prepare_suites(context, org, columns, refresh)
    outcomes, held, warned, errors = {}, [], [], []
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        for obj, cols in columns.items():
            outcome = outcomes[obj] = ObjectOutcome(expectations=len(rules[obj]))
            checkpoint = context.checkpoints.get(checkpoint_name(obj))
            for frame in read_chunks(con, obj, cols, chunk_rows):
                outcome.rows += len(frame)
                outcome.chunks += 1
                if frame.empty:
                    continue
                errors += validate_frame(checkpoint, obj, rules[obj], frame, outcome, held, warned)
            outcome.held = len({r[1] for r in held if r[0] == obj})
    if errors:
        raise ValidateError("expectations could not be evaluated:\n  " + "\n  ".join(errors[:20]))
    write_gates(settings.duckdb_path, held, warned)
    docs = None
    if data_docs:
        docs = _publish_docs(context, project_dir, settings.reports_dir / run_id / "data_docs")
    return ValidateResult(
        run_id=run_id,
        seconds=time.perf_counter() - started,
        objects=outcomes,
        gates_rows=len(held),
        warning_rows=len(warned),
        regenerated=regenerated,
        data_docs=docs,
        notes=org.notes,
    )
