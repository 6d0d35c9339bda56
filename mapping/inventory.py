"""``dp2sf inventory``: the source schema inventory, the custom-field manifest and deployable metadata.

Writes under ``settings.build_dir``:
- ``inventory/schema_inventory.csv``: every raw table and column from the dlt schema export
  (``settings.data_dir / "schemas"``) with a data profile (rows, null %, distinct values, max length);
- ``inventory/custom_fields_source.csv``: every custom-property definition in the source with the type, length
  and picklist values inferred from its definition and data, and the seeded Salesforce field it maps to
  (``custom_fields_unseeded`` lists those with none: add them to ``seeds/custom_fields.csv``);
- ``inventory/not_migrated.csv``: source data the last extract could not take (e.g. Dispatch Pro's playbooks,
  dashboards and dispatch metadata without the customer's export folder), with the reason, from
  ``<data_dir>/extract_report.json``;
- ``manifest.csv`` and ``metadata/`` + ``sfdx-project.json`` (``mapping.manifest``);
- it also refreshes the marts' contracts from the seeds (``mapping.contracts``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from core.errors import Dp2sfError
from core.fields import load_field_list
from core.settings import Settings
from mapping.contracts import write_mart_properties
from mapping.manifest import write_manifest_csv, write_metadata

RAW_SCHEMA = "raw_dispatch_pro"
CUSTOM_FIELD_SOURCES = {  # entity: (definition table, values child table)
    "customer": ("customer_custom_field_types", "customers__custom_fields"),
    "location": ("location_custom_field_types", "locations__custom_fields"),
    "job": ("job_custom_field_types", "jobs__custom_fields"),
    "invoice": ("invoice_custom_field_types", "invoices__custom_fields"),
}
BOOL_WORDS = {"true", "false", "yes", "no", "y", "n", "0", "1"}
NULL_WORDS = {"", "n/a", "na", "none", "-"}
DATE_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?|\d{1,2}/\d{1,2}/\d{2}(\d{2})?)$")
NUMBER_PATTERN = re.compile(r"^-?[\d,]*\.?\d+$")


class InventoryError(Dp2sfError):
    """The inventory could not be built (the message names the file or table)."""


@dataclass
class ColumnProfile:
    table: str
    column: str
    data_type: str
    rows: int
    null_pct: float
    distinct: int
    max_length: int | None


@dataclass
class SourceCustomField:
    """A custom property defined in the source, with what its data says about its Salesforce type."""

    entity: str
    name: str
    data_type: str
    options: list[str]
    values: int
    inferred_type: str
    inferred_length: int | None
    seeded_as: list[str] = field(default_factory=list)  # "Object.Field" entries in seeds/custom_fields.csv


@dataclass
class InventoryResult:
    manifest_path: Path
    metadata_dir: Path
    metadata_files: int
    manifest_fields: int
    custom_objects: list[str]
    schema_inventory_path: Path | None = None
    profiled_columns: int = 0
    source_custom_fields: list[SourceCustomField] = field(default_factory=list)
    contracts_refreshed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_migrated: dict[str, str] = field(default_factory=dict)  # source table -> why it is not migrated
    not_migrated_path: Path | None = None

    @property
    def custom_fields_unseeded(self) -> list[SourceCustomField]:
        return [f for f in self.source_custom_fields if not f.seeded_as]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dlt_schema_tables(schemas_dir: Path) -> dict[str, dict[str, str]]:
    """table → {column: dlt data type} from the exported dlt schema YAML files."""
    tables: dict[str, dict[str, str]] = {}
    for path in sorted(schemas_dir.glob("*.schema.yaml")):
        try:
            schema = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InventoryError(f"{path}: not a readable dlt schema ({exc})") from None
        for table, spec in (schema.get("tables") or {}).items():
            if table.startswith("_dlt"):
                continue
            columns = spec.get("columns") or {}
            tables[table] = {c: str(col.get("data_type", "?")) for c, col in columns.items()}
    return tables


def profile_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, dict[str, str]]) -> list[ColumnProfile]:
    """Rows, null %, distinct count and max text length per column (one scan per table)."""
    present = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [RAW_SCHEMA]
    ).fetchall()}  # fmt: skip
    profiles = []
    for table, columns in sorted(tables.items()):
        if table not in present:
            continue
        actual = {r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, table],
        ).fetchall()}  # fmt: skip
        cols = [c for c in columns if c in actual]
        if not cols:
            continue
        parts = ["count(*)"]
        for c in cols:
            q = _quote(c)
            parts += [f"count({q})", f"approx_count_distinct({q})", f"max(length(cast({q} as varchar)))"]
        row = con.execute(f"select {', '.join(parts)} from {RAW_SCHEMA}.{_quote(table)}").fetchall()[0]
        total = row[0]
        for i, c in enumerate(cols):
            non_null, distinct, max_len = row[1 + 3 * i : 4 + 3 * i]
            profiles.append(
                ColumnProfile(
                    table=table,
                    column=c,
                    data_type=columns[c],
                    rows=total,
                    null_pct=round(100.0 * (total - non_null) / total, 2) if total else 0.0,
                    distinct=int(distinct or 0),
                    max_length=None if max_len is None else int(max_len),
                )
            )
    return profiles


def infer_type(data_type: str, options: list[str], values: list[str]) -> tuple[str, int | None]:
    """Salesforce type (and text length) for a custom property from its definition and its values."""
    seen = [v.strip() for v in values if v is not None and v.strip().lower() not in NULL_WORDS]
    if data_type == "Dropdown":
        return "Picklist", None
    if data_type == "Numeric":
        return "Number", None
    if seen and all(v.lower() in BOOL_WORDS for v in seen):
        return "Checkbox", None
    if seen and sum(bool(DATE_PATTERN.match(v)) for v in seen) >= 0.6 * len(seen):
        return "Date", None
    if seen and all(NUMBER_PATTERN.match(v) for v in seen):
        return "Number", None
    longest = max((len(v) for v in seen), default=0)
    return ("Text", 255) if longest <= 255 else ("LongTextArea", 32768)


def source_custom_fields(con: duckdb.DuckDBPyConnection) -> list[SourceCustomField]:
    """Every custom-property definition in the raw data, with inferred type and its seeded mapping."""
    present = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = ?", [RAW_SCHEMA]
    ).fetchall()}  # fmt: skip
    found = []
    for entity, (defs_table, values_table) in CUSTOM_FIELD_SOURCES.items():
        if defs_table not in present:
            continue
        options_table = f"{defs_table}__data_type_options"
        for _id, name, data_type, dlt_id in con.execute(
            f"select id, name, data_type, _dlt_id from {RAW_SCHEMA}.{defs_table} order by id"
        ).fetchall():
            options = []
            if options_table in present:
                options = [r[0] for r in con.execute(
                    f"select value from {RAW_SCHEMA}.{options_table} where _dlt_parent_id = ? "
                    "order by _dlt_list_idx", [dlt_id],
                ).fetchall()]  # fmt: skip
            values = []
            if values_table in present:
                values = [r[0] for r in con.execute(
                    f"select value from {RAW_SCHEMA}.{values_table} where name = ?", [name]
                ).fetchall()]  # fmt: skip
            inferred, length = infer_type(data_type or "Text", options, values)
            found.append(
                SourceCustomField(entity, name, data_type or "", options, len(values), inferred, length)
            )
    return found


def _attach_seeds(found: list[SourceCustomField], seeds_file: Path) -> None:
    with seeds_file.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for f in found:
        f.seeded_as = [
            f"{r['object']}.{r['api_name']}"
            for r in rows
            if r["source_entity"] == f.entity and r["source_name"] == f.name
        ]


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _not_migrated(settings: Settings, result: InventoryResult) -> None:
    """What the last extract reported as not migrated (and why), listed in ``not_migrated.csv``."""
    from core.extract_report import read_extract_report

    report = read_extract_report(settings)
    if report is None:
        return
    content = dict(report.get("not_migrated_content") or {})
    result.not_migrated = dict(report.get("not_migrated") or {})
    result.not_migrated_path = settings.build_dir / "inventory" / "not_migrated.csv"
    _write_csv(
        result.not_migrated_path,
        ["source_table", "content", "status", "reason"],
        [
            [table, content.get(table, ""), "not migrated", reason]
            for table, reason in sorted(result.not_migrated.items())
        ],
    )


def run_inventory(settings: Settings, invoices: str = "custom") -> InventoryResult:
    """Build the manifest and metadata from the seeds; profile the source when raw data exists."""
    field_list = load_field_list()
    build = settings.build_dir
    manifest_path = build / "manifest.csv"
    result = InventoryResult(
        manifest_path=manifest_path,
        metadata_dir=build / "metadata",
        metadata_files=len(write_metadata(build, field_list, invoices)),
        manifest_fields=write_manifest_csv(manifest_path, field_list, invoices),
        custom_objects=[o.name for o in field_list.enabled_objects(invoices) if o.custom],
        contracts_refreshed=write_mart_properties(),
    )
    _not_migrated(settings, result)
    schemas_dir = settings.data_dir / "schemas"
    if not settings.duckdb_path.is_file():
        result.notes.append(
            f"no raw data at {settings.duckdb_path}: run `dp2sf extract` to profile the source"
        )
        return result
    tables = dlt_schema_tables(schemas_dir) if schemas_dir.is_dir() else {}
    if not tables:
        result.notes.append(f"no dlt schema export in {schemas_dir}: source columns not listed")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        profiles = profile_tables(con, tables)
        found = source_custom_fields(con)
    _attach_seeds(found, settings.project_dir / "dbt_project" / "seeds" / "custom_fields.csv")
    result.schema_inventory_path = build / "inventory" / "schema_inventory.csv"
    _write_csv(
        result.schema_inventory_path,
        ["table", "column", "data_type", "rows", "null_pct", "distinct", "max_length"],
        [[p.table, p.column, p.data_type, p.rows, p.null_pct, p.distinct, p.max_length] for p in profiles],
    )
    _write_csv(
        build / "inventory" / "custom_fields_source.csv",
        ["entity", "name", "data_type", "options", "values", "inferred_type", "inferred_length", "seeded_as"],
        [
            [f.entity, f.name, f.data_type, "|".join(f.options), f.values, f.inferred_type,
             f.inferred_length or "", " ".join(f.seeded_as)]
            for f in found
        ],
    )  # fmt: skip
    result.profiled_columns = len(profiles)
    result.source_custom_fields = found
    return result
