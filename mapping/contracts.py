"""The marts' dbt properties (enforced contracts and data tests), generated from the field-list seeds.

dbt needs each mart's contract as YAML on disk; it is rendered from ``seeds/salesforce_fields.csv`` and
``seeds/custom_fields.csv`` so the field list stays in one place. ``dp2sf inventory`` and ``dp2sf transform``
rewrite stale files; a test proves the committed files are current.

dbt renders every string of these files as Jinja, and the seeds carry text from the source (a custom
property's name becomes a label and a description, its options the accepted values): each such string goes
through ``core.quoting.jinja_text`` (it renders back to itself, nothing in it is evaluated), descriptions
through ``dbt_description`` (also ``<``/``>``/``&`` escaped: the dbt docs site shows them as Markdown).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.fields import DBT_DIR, TEXT_TYPES, FieldList, SfField, SfObject, load_field_list
from core.quoting import dbt_description, jinja_text

HEADER = (
    "# Generated from seeds/salesforce_fields.csv and seeds/custom_fields.csv by `dp2sf inventory`\n"
    "# (also refreshed by `dp2sf transform`). Edit the seeds, not this file.\n"
)


def _column_tests(f: SfField, field_list: FieldList) -> list:
    tests: list = []
    if f.name == "Dispatch_Pro_Id__c":
        tests.append("primary_key")  # unique and not null, one query (tests/generic/primary_key.sql)
    if f.reference_to and f.reference_to in field_list.objects:
        parent = {"to": f"ref('{f.reference_to}')", "field": "Dispatch_Pro_Id__c"}
        # a residential customer's Contact may be a Person Account's person Contact (tests/generic)
        test = "contact_lookup_loaded" if f.reference_to == "Contact" else "relationships"
        tests.append({test: {"arguments": parent}})
    if f.type == "Picklist" and f.picklist_values:
        values = [jinja_text(v) for v in f.picklist_values]
        tests.append({"accepted_values": {"arguments": {"values": values}}})
    return tests


def _prepared_model(obj: SfObject, dbt_dir: Path = DBT_DIR) -> str | None:
    """The int_*_prepared model a mart selects from (its ``mart_select`` call)."""
    path = dbt_dir / "models" / "marts" / f"{obj.name}.sql"
    found = (
        re.search(r"mart_select\(\s*'[^']+'\s*,\s*ref\('(\w+)'\)", path.read_text())
        if path.is_file()
        else None
    )
    return found.group(1) if found else None


def _model(obj: SfObject, field_list: FieldList) -> dict:
    columns = []
    for f in field_list.mart_fields(obj.name):
        column: dict = {"name": f.mart_column, "data_type": f.duckdb_type}
        description = f.description or f.label
        if f.source_name:
            description = f"{description} (source property {f.source_name})"
        column["description"] = dbt_description(description)
        column["quote"] = True
        tests = _column_tests(f, field_list)
        if tests:
            column["data_tests"] = tests
        columns.append(column)
    model: dict = {
        "name": obj.name,
        "description": f"Salesforce {obj.name}: {obj.description}.",
        "config": {"contract": {"enforced": True}, "meta": {"salesforce_object": obj.name}},
    }
    prepared = _prepared_model(obj)
    tests: list = []
    if prepared:  # every value a record brings is in the mart, held back, or flagged (tests/generic)
        arguments = {"object_name": obj.name, "prepared": prepared}
        tests.append({"values_conserved": {"arguments": arguments}})
    lengths = {
        f.mart_column: f.length for f in field_list.mart_fields(obj.name) if f.type in TEXT_TYPES and f.length
    }
    if lengths:  # Salesforce's text lengths, one test for the whole mart (tests/generic/max_lengths.sql)
        tests.append({"max_lengths": {"arguments": {"lengths": lengths}}})
    required = [
        f.mart_column
        for f in field_list.mart_fields(obj.name)
        if f.required and f.type != "Checkbox" and f.name != "Dispatch_Pro_Id__c"
    ]
    if required:  # the fields Salesforce requires, one test for the whole mart (tests/generic)
        tests.append({"not_null_columns": {"arguments": {"columns": required}}})
    if tests:
        model["data_tests"] = tests
    model["columns"] = columns
    return model


def render_mart_properties(field_list: FieldList) -> dict[str, str]:
    """``models/marts/<Object>.yml`` relative path → YAML text, for every object of the mapping."""
    rendered = {}
    for obj in field_list.objects.values():
        body = yaml.safe_dump(
            {"version": 2, "models": [_model(obj, field_list)]},
            sort_keys=False,
            allow_unicode=True,
            width=110,
        )
        rendered[f"models/marts/{obj.name}.yml"] = HEADER + body
    return rendered


def stale_mart_properties(dbt_dir: Path = DBT_DIR) -> list[str]:
    """Relative paths whose content differs from what the seeds say (empty when all are current)."""
    rendered = render_mart_properties(load_field_list(dbt_dir))
    stale = []
    for rel, text in rendered.items():
        path = dbt_dir / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(rel)
    return stale


def write_mart_properties(dbt_dir: Path = DBT_DIR) -> list[str]:
    """Rewrite the stale mart property files; returns the relative paths written."""
    rendered = render_mart_properties(load_field_list(dbt_dir))
    written = []
    for rel in stale_mart_properties(dbt_dir):
        (dbt_dir / rel).write_text(rendered[rel], encoding="utf-8")
        written.append(rel)
    return written
