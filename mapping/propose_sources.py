"""What ``dp2sf map propose`` compares: the source fields (raw columns, profiled) and the target fields (the
org's describe, or the seeds' field list for an object the org cannot describe)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import duckdb

from core.fields import load_field_list
from core.quoting import sql_ident
from core.settings import Settings
from mapping.lineage import RAW_SCHEMA, raw_columns
from mapping.propose_score import SourceField, TargetField

VALUE_SAMPLE = 50  # distinct values read per column for the picklist overlap
# field-list type -> describe type (for the fallback when the org cannot be described)
DESCRIBE_TYPE = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Html": "textarea",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Picklist": "picklist",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Checkbox": "boolean",
    "Date": "date",
    "DateTime": "datetime",
    "Lookup": "reference",
    "MasterDetail": "reference",
}


def source_fields(con: duckdb.DuckDBPyConnection, duckdb_path: Path) -> list[SourceField]:
    """Every raw column with its type, longest value and (up to ``VALUE_SAMPLE``) distinct values."""
    types = {
        (t, c): d
        for t, c, d in con.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = ?",
            [RAW_SCHEMA],
        ).fetchall()
    }
    by_table: dict[str, list[str]] = defaultdict(list)
    for t, c in raw_columns(duckdb_path):
        by_table[t].append(c)
    found = []
    for table, columns in sorted(by_table.items()):
        rel = f"{RAW_SCHEMA}.{sql_ident(table)}"
        parts = []
        for c in columns:
            parts += [f"count(distinct {sql_ident(c)})", f"max(length(cast({sql_ident(c)} as varchar)))"]
        stats = con.execute(f"select {', '.join(parts)} from {rel}").fetchone()
        for i, c in enumerate(columns):
            distinct, longest = stats[2 * i], stats[2 * i + 1]
            values: tuple[str, ...] = ()
            if (
                distinct
                and distinct <= VALUE_SAMPLE
                and not types[(table, c)].upper().startswith("TIMESTAMP")
            ):
                values = tuple(
                    str(v)
                    for (v,) in con.execute(
                        f"select distinct cast({sql_ident(c)} as varchar) from {rel} "
                        f"where {sql_ident(c)} is not null order by 1"
                    ).fetchall()
                )
            found.append(SourceField(table, c, types[(table, c)], values, longest))
    return found


def _list_fields(settings: Settings, obj: str) -> list[TargetField]:
    """An object's fields from the seeds' field list (when the org cannot describe it)."""
    return [
        TargetField(
            f.object, f.name, f.label, DESCRIBE_TYPE.get(f.type, "string"), f.length, f.picklist_values
        )
        for f in load_field_list(settings.project_dir / "dbt_project").fields_of(obj)
        if not f.helper
    ]


def _described(obj: str, described: dict) -> list[TargetField]:
    return [
        TargetField(
            obj,
            f["name"],
            f.get("label") or f["name"],
            f["type"],
            f.get("length") or None,
            tuple(p["value"] for p in f.get("picklistValues") or [] if p.get("active", True)),
            bool(f.get("createable", True)),
        )  # fmt: skip
        for f in described["fields"]
    ]


def target_fields(settings: Settings, objects: list[str]) -> tuple[dict[str, list[TargetField]], str]:
    """The target org's fields per object (its describe); an object the org cannot describe (not deployed
    yet, or no org reachable) from the seeds' field list. The second value says which."""
    from simple_salesforce.exceptions import SalesforceError

    from core.connection import sf_client

    try:
        sf = sf_client(settings)
    except Exception as exc:  # noqa: BLE001 - no org: every object from the field list, said in the result
        out = {obj: _list_fields(settings, obj) for obj in objects}
        return out, f"field list (the {settings.target} org could not be reached: {exc})"
    out, missing = {}, []
    for obj in objects:
        try:
            out[obj] = _described(obj, getattr(sf, obj).describe())
        except SalesforceError:
            out[obj] = _list_fields(settings, obj)
            missing.append(obj)
    listed = f"; from the field list (not described by the org): {', '.join(missing)}" if missing else ""
    return out, f"org ({settings.target}){listed}"
