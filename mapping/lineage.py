"""Column lineage of the mapping, derived from dbt's compiled SQL (sqlglot), and the source-field accounting.

Every model dbt compiled (``manifest.json``) is parsed with sqlglot (DuckDB dialect), qualified against the
columns DuckDB reports for every relation (so ``select *`` expands), and each output column is traced one
model back with ``sqlglot.lineage``. Chaining those edges from each mart column down to the raw tables gives
``source table.column -> object.field`` with the transformation on the way:

- ``renamed``: the value is carried as is (aliases, and casts to the type the raw column already has);
- ``cast``: converted to another type;
- ``concatenated``: joined with other text (``'job:' || id``, ``concat_ws``);
- ``value-mapped``: looked up in a value-map seed (``map_*``); the source column is the field's
  ``source_column`` in ``salesforce_fields.csv`` (the original value a quarantine rule reports);
- ``derived``: anything else (functions, ``case``, aggregates, pivots of custom properties).

The accounting: every raw column (dlt's own ``_dlt_*`` columns and tables aside) is mapped to a mart column
or declared in ``seeds/not_migrated.csv`` (table, column, reason; ``*`` declares a whole raw-only table).
A raw column that is neither fails ``dp2sf transform`` with a message listing each such ``table.column``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.lineage import Node, lineage
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import build_scope
from sqlglot.schema import MappingSchema, Schema

from core.errors import Dp2sfError
from core.fields import DBT_DIR, load_field_list

NOT_MIGRATED_SEED = DBT_DIR / "seeds" / "not_migrated.csv"
RAW_SCHEMA = "raw_dispatch_pro"
MART_SCHEMA = "salesforce"
# the most telling transformation wins when a value passes through several
KIND_ORDER = ("value-mapped", "concatenated", "derived", "cast", "renamed")
LINEAGE_COLUMNS = ("source_table", "source_column", "object", "field", "transformation")


class LineageError(Dp2sfError):
    """The compiled SQL could not be traced, or a raw column is neither mapped nor declared."""


Rel = tuple[str, str]  # (schema, table), lower case
Col = tuple[str, str, str]  # (schema, table, column)


@dataclass(frozen=True)
class LineageRow:
    """One raw column feeding one mart column."""

    source_table: str
    source_column: str
    object: str
    field: str
    transformation: str


@dataclass
class Declaration:
    """A row of ``seeds/not_migrated.csv``."""

    table: str
    column: str
    reason: str

    def applies(self, invoices: str) -> bool:
        """A reason starting ``(invoices: <mode>)`` declares the column in that invoice mode only."""
        match = re.match(r"\(invoices: (\w+)\)", self.reason)
        return match is None or match.group(1) == invoices


@dataclass
class AccountingResult:
    """The lineage rows, the raw columns, and what is neither mapped nor declared."""

    rows: list[LineageRow]
    raw_columns: list[tuple[str, str]]
    unaccounted: list[tuple[str, str]] = field(default_factory=list)
    declared_but_mapped: list[tuple[str, str]] = field(default_factory=list)
    lineage_path: Path | None = None

    @property
    def mapped(self) -> set[tuple[str, str]]:
        return {(r.source_table, r.source_column) for r in self.rows}

    def problems(self) -> list[str]:
        lines = [
            f"{t}.{c}: raw column neither mapped to a mart field nor declared in seeds/not_migrated.csv"
            for t, c in self.unaccounted
        ]
        lines += [
            f"{t}.{c}: declared not migrated in seeds/not_migrated.csv but mapped to "
            + ", ".join(
                sorted(
                    {
                        f"{r.object}.{r.field}"
                        for r in self.rows
                        if (r.source_table, r.source_column) == (t, c)
                    }
                )
            )
            for t, c in self.declared_but_mapped
        ]
        return lines


def _unguarded(e: exp.Expression) -> exp.Expression:
    """The value inside a flag guard ``case when <problem> then null else <value> end`` (macros/quarantine.sql
    mart_select): nulling a flagged value is not a transformation, the value is carried or listed."""
    default = e.args.get("default") if isinstance(e, exp.Case) else None
    if default is not None and all(isinstance(i.args.get("true"), exp.Null) for i in e.args.get("ifs") or []):
        return default
    return e


def _kind(expression: exp.Expression, types: dict[Col, str]) -> str | None:
    """The transformation one projection applies (None: carried as is)."""
    e = _unguarded(expression.this if isinstance(expression, exp.Alias) else expression)
    if isinstance(e, (exp.Cast, exp.TryCast)):
        e = e.copy()
        e.set("this", _unguarded(e.this))
    if isinstance(e, exp.Column):
        return None
    if isinstance(e, (exp.Cast, exp.TryCast)) and isinstance(e.this, exp.Column):
        column = e.this
        raw_type = types.get((column.db.lower(), column.table.lower(), column.name.lower()))
        if raw_type and _same_type(raw_type, e.to):
            return None
        return "cast"
    if e.find(exp.DPipe, exp.Concat, exp.ConcatWs):
        return "concatenated"
    return "derived"


def _same_type(raw_type: str, to: exp.DataType) -> bool:
    try:
        return exp.DataType.build(raw_type, dialect="duckdb").sql("duckdb") == to.sql("duckdb")
    except sqlglot.errors.ParseError:
        return False


class _Model:
    """One compiled model: its qualified scope, traced column by column on demand."""

    def __init__(self, sql: str, schema: Schema) -> None:
        expression = sqlglot.parse_one(sql, dialect="duckdb")
        expression = qualify(
            expression, dialect="duckdb", schema=schema, validate_qualify_columns=False, identify=False
        )
        self.scope = build_scope(expression)
        self.columns = [s.alias_or_name for s in self.scope.expression.selects] if self.scope else []

    def upstream(self, column: str, types: dict[Col, str]) -> list[tuple[Col, frozenset[str]]]:
        """The columns of other relations this output column reads, with the transformations on the way."""
        target = exp.Column(this=exp.to_identifier(column, quoted=True))  # a mart column may hold a dot
        # trim_selects=False: a trimmed copy of the select is only a display label, and copying the whole
        # select for every node was half the trace's time
        node = lineage(
            target, self.scope.expression, scope=self.scope, dialect="duckdb", copy=False, trim_selects=False
        )
        found: list[tuple[Col, frozenset[str]]] = []

        def walk(n: Node, kinds: frozenset[str]) -> None:
            if isinstance(n.expression, exp.Table):
                table = n.expression
                prefix = f"{table.alias_or_name}."
                name = (n.name[len(prefix) :] if n.name.startswith(prefix) else n.name).strip('"').lower()
                found.append(((table.db.lower(), table.name.lower(), name), kinds))
                return
            kind = _kind(n.expression, types)
            here = kinds | {kind} if kind else kinds
            for child in n.downstream:
                walk(child, here)

        walk(node, frozenset())
        return found


def _relation_columns(duckdb_path: Path) -> tuple[dict, dict[Col, str]]:
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select table_catalog, table_schema, table_name, column_name, data_type "
            "from information_schema.columns "
            "order by table_catalog, table_schema, table_name, ordinal_position"
        ).fetchall()
    schema: dict = {}
    types: dict[Col, str] = {}
    for catalog, sch, table, column, data_type in rows:
        # quoted: sqlglot reads an unquoted key like `end` as a keyword and loses the column
        quoted = '"' + column.replace('"', '""') + '"'
        schema.setdefault(catalog, {}).setdefault(sch, {}).setdefault(table, {})[quoted] = data_type
        types[(sch.lower(), table.lower(), column.lower())] = data_type
    return schema, types


def _compiled_models(manifest_path: Path) -> dict[Rel, tuple[str, str]]:
    """(schema, alias) -> (unique_id, compiled SQL) for every compiled model."""
    manifest = json.loads(manifest_path.read_text())
    models = {}
    for uid, node in manifest["nodes"].items():
        if node["resource_type"] != "model" or not node.get("compiled_code"):
            continue
        models[(node["schema"].lower(), node["alias"].lower())] = (uid, node["compiled_code"])
    return models


def trace(manifest_path: Path, duckdb_path: Path, invoices: str = "custom") -> list[LineageRow]:
    """Lineage rows (raw column -> mart column) of every enabled mart, from the compiled models."""
    if not manifest_path.is_file():
        raise LineageError(f"no dbt manifest at {manifest_path}: run `dp2sf transform` first")
    columns, types = _relation_columns(duckdb_path)
    schema = MappingSchema(columns, dialect="duckdb")  # normalized once, not once per model
    models = _compiled_models(manifest_path)
    parsed: dict[Rel, _Model] = {}

    def model(rel: Rel) -> _Model:
        if rel not in parsed:
            uid, sql = models[rel]
            try:
                parsed[rel] = _Model(sql, schema)
            except sqlglot.errors.SqlglotError as error:
                raise LineageError(f"cannot trace {uid}: {error}") from error
        return parsed[rel]

    @cache
    def to_raw(col: Col) -> frozenset[tuple[Col, frozenset[str]]]:
        sch, table, column = col
        if sch == RAW_SCHEMA:
            return frozenset({(col, frozenset())})
        if (sch, table) not in models:  # a seed: value maps read their target value here
            return frozenset({(col, frozenset())})
        out = set()
        for upstream, kinds in model((sch, table)).upstream(column, types):
            for leaf, more in to_raw(upstream):
                out.add((leaf, kinds | more))
        return frozenset(out)

    field_list = load_field_list()
    rows: set[LineageRow] = set()
    for obj in field_list.enabled_objects(invoices):
        # a value-map seed -> the prepared column holding the original value it maps (from the field list)
        map_sources = {
            f.picklist[5:].split(".")[0].lower(): f.source_column
            for f in field_list.mart_fields(obj.name)
            if f.source_column and (f.picklist or "").startswith("seed:")
        }
        rel = (MART_SCHEMA, obj.name.lower())
        if rel not in models:
            continue
        mart = model(rel)
        fields = field_list.mart_fields(obj.name)
        source_columns = {f.mart_column.lower(): f.source_column for f in fields}
        names = {f.mart_column.lower(): f.mart_column for f in fields}
        prepared = _prepared_relation(mart)
        for lowered in mart.columns:
            column = names.get(lowered, lowered)
            leaves = to_raw((MART_SCHEMA, obj.name.lower(), lowered))
            seeds = {leaf[1] for leaf, _ in leaves if leaf[0] != RAW_SCHEMA and leaf[1].startswith("map_")}
            mapped_by_seed = bool(seeds)
            src = source_columns.get(lowered) or next(
                (map_sources[s] for s in sorted(seeds) if s in map_sources), None
            )
            if mapped_by_seed and src and prepared:
                for leaf, _ in to_raw((*prepared, src.lower())):
                    if leaf[0] == RAW_SCHEMA:
                        rows.add(LineageRow(leaf[1], leaf[2], obj.name, column, "value-mapped"))
            for leaf, kinds in leaves:
                if leaf[0] != RAW_SCHEMA:
                    continue
                kind = (
                    "value-mapped"
                    if mapped_by_seed
                    else next((k for k in KIND_ORDER if k in kinds), "renamed")
                )
                rows.add(LineageRow(leaf[1], leaf[2], obj.name, column, kind))
    # a raw column reaching a field by several paths (a union, a join) is one row, kind first in KIND_ORDER
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    best: dict[tuple[str, str, str, str], LineageRow] = {}
    for r in rows:
        key = (r.source_table, r.source_column, r.object, r.field)
        if key not in best or rank.get(r.transformation, 99) < rank.get(best[key].transformation, 99):
            best[key] = r
    return sorted(best.values(), key=lambda r: (r.object, r.field, r.source_table, r.source_column))


def _prepared_relation(mart: _Model) -> Rel | None:
    """The relation a mart selects from (its int_*_prepared model)."""
    args = mart.scope.expression.args if mart.scope else {}
    from_ = args.get("from") or args.get("from_")
    table = from_.this if from_ else None
    return (table.db.lower(), table.name.lower()) if isinstance(table, exp.Table) else None


def load_declarations(path: Path = NOT_MIGRATED_SEED) -> list[Declaration]:
    """The rows of the not-migrated seed."""
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Declaration(r["table"].strip(), r["column"].strip(), r["reason"].strip())
            for r in csv.DictReader(f)
        ]


def raw_columns(duckdb_path: Path, raw_schema: str = RAW_SCHEMA) -> list[tuple[str, str]]:
    """Every column of every raw table, dlt's own tables and ``_dlt_*`` columns aside."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns where table_schema = ? "
            "order by table_name, ordinal_position",
            [raw_schema],
        ).fetchall()
    return [(t, c) for t, c in rows if not t.startswith("_dlt") and not c.startswith("_dlt_")]


def account(
    rows: list[LineageRow], columns: Iterable[tuple[str, str]], declarations: list[Declaration]
) -> AccountingResult:
    """Compare the raw columns with the lineage and the declarations."""
    columns = list(columns)
    mapped = {(r.source_table, r.source_column) for r in rows}
    declared = {(d.table, d.column) for d in declarations}
    whole_tables = {d.table for d in declarations if d.column == "*"}
    result = AccountingResult(rows=rows, raw_columns=columns)
    for table, column in columns:
        key = (table, column)
        if key in mapped:
            if key in declared:
                result.declared_but_mapped.append(key)
        elif key not in declared and table not in whole_tables:
            result.unaccounted.append(key)
    return result


def write_lineage(rows: list[LineageRow], path: Path) -> Path:
    """``build/lineage.csv``: one row per raw column feeding a mart column."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(LINEAGE_COLUMNS)
        for r in rows:
            writer.writerow([r.source_table, r.source_column, r.object, r.field, r.transformation])
    return path


def run_accounting(
    manifest_path: Path,
    duckdb_path: Path,
    lineage_path: Path,
    invoices: str = "custom",
    declarations: list[Declaration] | None = None,
) -> AccountingResult:
    """Trace the lineage, write it, and account for every raw column; raises ``LineageError`` on a gap."""
    rows = trace(manifest_path, duckdb_path, invoices)
    declarations = load_declarations() if declarations is None else declarations
    result = account(rows, raw_columns(duckdb_path), [d for d in declarations if d.applies(invoices)])
    result.lineage_path = write_lineage(rows, lineage_path)
    problems = result.problems()
    if problems:
        listed = "\n  ".join(problems)
        raise LineageError(f"source-field accounting failed ({len(problems)} raw columns):\n  {listed}")
    return result
