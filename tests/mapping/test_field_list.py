"""The field-list seeds: valid, in sync with the marts' generated contracts, and bad rows named clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.fields import DBT_DIR, FieldListError, load_field_list
from mapping.contracts import stale_mart_properties


def test_every_object_has_an_external_id_and_a_mart() -> None:
    field_list = load_field_list()
    for name in field_list.objects:
        ext = [f for f in field_list.fields_of(name) if f.name == "Dispatch_Pro_Id__c"]
        assert len(ext) == 1 and ext[0].external_id and ext[0].unique, name
        assert (DBT_DIR / "models" / "marts" / f"{name}.sql").is_file(), name
    marts = {p.stem for p in (DBT_DIR / "models" / "marts").glob("*.sql")}
    assert marts == set(field_list.objects)


def test_lookups_become_relationship_columns_and_helpers_keep_their_name() -> None:
    field_list = load_field_list()
    columns = {(f.object, f.name): f.mart_column for f in field_list.fields}
    assert columns[("Case", "AccountId")] == "Account.Dispatch_Pro_Id__c"
    assert columns[("CaseComment", "ParentId")] == "Parent.Dispatch_Pro_Id__c"
    assert columns[("Line_Item__c", "Case__c")] == "Case__r.Dispatch_Pro_Id__c"
    assert columns[("Case", "_owner_email")] == "_owner_email"
    user = next(f for f in field_list.fields_of("Skill__c") if f.name == "User__c")
    assert user.loader_resolved and user not in field_list.mart_fields("Skill__c")
    case_priority = next(f for f in field_list.fields_of("Case") if f.name == "Dispatch_Pro_Priority__c")
    # the 8 Dispatch Pro levels, then Normal: ServiceTitan's own priority when Dispatch Pro has no level
    assert case_priority.picklist_values == (
        "Emergency", "Critical", "Urgent", "High", "Elevated", "Standard", "Low", "Deferred", "Normal",
    )  # fmt: skip


def test_job_custom_properties_are_case_fields_from_the_seed() -> None:
    case_fields = {f.name: f for f in load_field_list().fields_of("Case")}
    assert case_fields["Lead_Quality__c"].picklist_values == ("Hot", "Warm", "Cold")
    assert case_fields["Lead_Quality__c"].source_name == "job.Lead Quality"
    assert case_fields["Equipment_Age_yrs__c"].duckdb_type == "double"


def test_generated_mart_contracts_are_current() -> None:
    assert stale_mart_properties() == [], "run `dp2sf inventory` to refresh models/marts/*.yml from the seeds"


def test_a_bad_seed_row_is_named_by_file_line_and_column(tmp_path: Path) -> None:
    shutil.copytree(DBT_DIR / "seeds", tmp_path / "seeds")
    fields = tmp_path / "seeds" / "salesforce_fields.csv"
    lines = fields.read_text().splitlines()
    lines[3] = lines[3].replace(",Phone,40,", ",Phonee,40,")
    fields.write_text("\n".join(lines) + "\n")
    with pytest.raises(FieldListError, match=r"salesforce_fields.csv:4 type: unknown field type 'Phonee'"):
        load_field_list(tmp_path)


def test_field_types_come_from_one_seed_read_by_python_and_jinja() -> None:
    import csv

    from core import fields as mapping_fields
    from mapping import schema_check

    with (DBT_DIR / "seeds" / "salesforce_types.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["type"]: r for r in csv.DictReader(f)}
    assert {t for t, r in rows.items() if r["text"] == "true"} == mapping_fields.TEXT_TYPES
    assert "Helper" not in mapping_fields.TEXT_TYPES and "Helper" in rows
    assert schema_check.DESCRIBE_TYPES is mapping_fields.DESCRIBE_TYPES
    assert {f.type for f in load_field_list().fields} <= set(rows)
    macro = (DBT_DIR / "macros" / "quarantine.sql").read_text(encoding="utf-8")
    assert "seed_relation('salesforce_types')" in macro  # text_types() reads the same seed
