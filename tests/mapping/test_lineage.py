"""Source-field accounting: lineage from compiled SQL, ``build/lineage.csv``, ``seeds/not_migrated.csv``.

One ``dp2sf transform`` of the fixture raw DB per module; the failing cases change the raw DB or the
declarations and show the accounting (and the transform) failing with the exact ``table.column``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pytest

from core.fields import load_field_list
from mapping.lineage import Declaration, LineageError, load_declarations, run_accounting
from mapping.transform import TransformError, run_dbt, run_transform
from tests.conftest import transformed_copy


@pytest.fixture(scope="module")
def built(fixture_transform, tmp_path_factory):
    return transformed_copy(fixture_transform, tmp_path_factory.mktemp("lineage"))


def _lineage(result) -> list[dict]:
    with result.lineage_path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _account(settings, declarations=None):
    return run_accounting(
        settings.build_dir / "dbt" / "target" / "manifest.json",
        settings.duckdb_path,
        settings.build_dir / "lineage_check.csv",
        declarations=declarations,
    )


def test_transform_writes_the_lineage_with_each_transformation(built) -> None:
    result, settings = built
    assert result.lineage_path == settings.build_dir / "lineage.csv"
    rows = {
        (r["source_table"], r["source_column"], r["object"], r["field"]): r["transformation"]
        for r in _lineage(result)
    }
    assert result.lineage_rows == len(rows)
    assert rows[("jobs", "job_status", "Case", "Status")] == "value-mapped"
    assert rows[("jobs", "priority", "Case", "Priority")] == "value-mapped"
    assert rows[("jobs", "id", "Case", "Dispatch_Pro_Id__c")] == "concatenated"
    assert rows[("appointments", "end", "Case", "Scheduled_End__c")] == "cast"  # timestamptz -> timestamp
    assert rows[("jobs", "summary", "Case", "Description")] == "derived"  # html_to_text
    assert rows[("customers", "id", "Contact", "Dispatch_Pro_Id__c")] == "concatenated"
    assert rows[("jobs__custom_fields", "value", "Case", "Warranty_Claim__c")] == "derived"
    assert ("invoice_items", "total", "Invoice_Line__c", "Total__c") in rows


def test_the_lineage_lists_every_salesforce_field_with_a_source(built) -> None:
    result, _ = built
    traced = {(r["object"], r["field"]) for r in _lineage(result)}
    field_list = load_field_list()
    # fields whose value is not read from a source column: constants and values the mapping computes itself
    no_source = {
        ("Account", "Is_Placeholder__c"),
        # the type comes from the map_skill_type seed looked up by the skill name (traced to Skill__c.Name)
        ("Skill__c", "Skill_Type__c"),
        ("Event", "Event_Kind__c"),
        ("CaseComment", "IsPublished"),
        # a call Task's constants: a completed, normal-priority call
        ("Task", "TaskSubtype"),
        ("Task", "Status"),
        ("Task", "Priority"),
    }
    missing = [
        (obj.name, f.mart_column)
        for obj in field_list.enabled_objects("custom")
        for f in field_list.mart_fields(obj.name)
        if not f.mart_column.startswith("_") and (obj.name, f.mart_column) not in traced
    ]
    assert sorted(missing) == sorted(no_source)


def test_every_raw_column_is_mapped_or_declared(built) -> None:
    _, settings = built
    result = _account(settings)
    assert result.unaccounted == [] and result.declared_but_mapped == []
    assert ("jobs", "job_number") in result.mapped
    assert all(not c.startswith("_dlt_") for _, c in result.raw_columns)


def test_a_new_raw_column_fails_the_transform_naming_it(built) -> None:
    _, settings = built
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("alter table raw_dispatch_pro.jobs add column serial_number varchar")
    try:
        with pytest.raises(TransformError) as failed:
            run_transform(settings, docs=False)
        message = str(failed.value)
        assert "source-field accounting failed (1 raw columns)" in message
        assert "jobs.serial_number: raw column neither mapped to a mart field nor declared" in message
    finally:
        with duckdb.connect(str(settings.duckdb_path)) as con:
            con.execute("alter table raw_dispatch_pro.jobs drop column serial_number")
    assert _account(settings).unaccounted == []


def test_a_deleted_declaration_fails_naming_the_column(built) -> None:
    _, settings = built
    declarations = [d for d in load_declarations() if (d.table, d.column) != ("customers", "balance")]
    with pytest.raises(LineageError, match=r"(?m)^  customers\.balance: raw column neither mapped"):
        _account(settings, declarations)


def test_a_whole_table_declaration_covers_its_columns_and_deleting_it_fails(built) -> None:
    _, settings = built
    declarations = load_declarations()
    assert any(d.table == "payments" and d.column == "*" for d in declarations)
    without = [d for d in declarations if d.table != "payments"]
    with pytest.raises(LineageError) as failed:
        _account(settings, without)
    listed = [line.strip().split(":")[0] for line in str(failed.value).splitlines()[1:]]
    assert listed and all(name.startswith("payments.") for name in listed)


def test_declaring_a_mapped_column_is_an_error(built) -> None:
    _, settings = built
    declarations = [*load_declarations(), Declaration("jobs", "job_number", "wrongly declared")]
    with pytest.raises(
        LineageError, match="jobs.job_number: declared not migrated .* mapped to .*Case.Source_Job_Number__c"
    ):
        _account(settings, declarations)


def test_every_declaration_has_a_reason() -> None:
    declarations = load_declarations()
    assert declarations and all(d.table and d.column and len(d.reason) > 10 for d in declarations)
    keys = [(d.table, d.column) for d in declarations]
    assert len(keys) == len(set(keys)), "one declaration per table.column"


def _conservation_failures(settings) -> list[str]:
    run = run_dbt(settings, ["test", "--select", "test_name:values_conserved"])
    return run.failures()


def test_value_conservation_fails_when_a_flag_or_a_mart_value_disappears(built) -> None:
    result, settings = built
    assert _conservation_failures(settings) == []
    flag = "source_key = 'job:1001' and column_name = 'Equipment_Age_yrs__c'"
    value = """where "Dispatch_Pro_Id__c" = 'job:1000'"""
    with duckdb.connect(str(result.duckdb_path)) as con:
        con.execute(f"create table main.flag_backup as select * from quarantine.flagged_values where {flag}")
        con.execute(f"delete from quarantine.flagged_values where {flag}")
        con.execute(
            f'create table main.job_backup as select "Source_Job_Number__c" from salesforce."Case" {value}'
        )
        con.execute(f'update salesforce."Case" set "Source_Job_Number__c" = null {value}')
    try:
        failures = _conservation_failures(settings)
        assert len(failures) == 1 and "values_conserved_Case" in failures[0]
        assert "2 results" in failures[0] or "Got 2 results" in failures[0]
    finally:
        with duckdb.connect(str(result.duckdb_path)) as con:
            con.execute("insert into quarantine.flagged_values select * from main.flag_backup")
            con.execute(
                'update salesforce."Case" set "Source_Job_Number__c" = '
                f'(select "Source_Job_Number__c" from main.job_backup) {value}'
            )
            con.execute("drop table main.flag_backup")
            con.execute("drop table main.job_backup")
    assert _conservation_failures(settings) == []


def _failures(settings, selector: str) -> list[str]:
    return run_dbt(settings, ["test", "--select", selector]).failures()


@contextmanager
def _mart_changed(duckdb_path, mart: str, *statements: tuple[str, list]) -> Iterator[None]:
    """``statements`` run on the built DuckDB (``{mart}`` names the mart's table), then the mart put back."""
    table = f'salesforce."{mart}"'
    with duckdb.connect(str(duckdb_path)) as con:
        con.execute(f"create table main.mart_backup as select * from {table}")
        for sql, params in statements:
            con.execute(sql.format(mart=table), params)
    try:
        yield
    finally:
        with duckdb.connect(str(duckdb_path)) as con:
            con.execute(f"delete from {table}")
            con.execute(f"insert into {table} select * from main.mart_backup")
            con.execute("drop table main.mart_backup")


def test_a_value_longer_than_its_salesforce_field_fails_the_marts_length_test(built) -> None:
    # one max_lengths test per mart lists every over-long value with its column (Salesforce text lengths
    # that DuckDB's varchar does not enforce)
    result, settings = built
    selector = "test_name:max_lengths"
    assert _failures(settings, selector) == []
    with duckdb.connect(str(result.duckdb_path), read_only=True) as con:
        cases = con.execute('select "Dispatch_Pro_Id__c" from salesforce."Case" order by 1 limit 2')
        keys = [r[0] for r in cases.fetchall()]
    # 255 characters fit Subject, 256 do not; 41 do not fit Source_Job_Number__c (40)
    with _mart_changed(
        result.duckdb_path,
        "Case",
        ("""update {mart} set "Subject" = repeat('é', 256) where "Dispatch_Pro_Id__c" = ?""", [keys[0]]),
        (
            """update {mart} set "Source_Job_Number__c" = repeat('9', 41), "Subject" = repeat('x', 255)
            where "Dispatch_Pro_Id__c" = ?""",
            [keys[1]],
        ),
    ):
        failed = _failures(settings, selector)
        assert len(failed) == 1 and "max_lengths_Case" in failed[0] and "Got 2 results" in failed[0], failed
    assert _failures(settings, selector) == []


def test_a_record_missing_a_field_salesforce_requires_fails_the_marts_required_test(built) -> None:
    # one not_null_columns test per mart: a row per record missing a required value, with column and key
    result, settings = built
    selector = "test_name:not_null_columns"
    assert _failures(settings, selector) == []
    with _mart_changed(
        result.duckdb_path,
        "Contact",
        (
            'update {mart} set "LastName" = null where "Dispatch_Pro_Id__c" = '
            '(select min("Dispatch_Pro_Id__c") from main.mart_backup)',
            [],
        ),
    ):
        failed = _failures(settings, selector)
        assert len(failed) == 1 and "not_null_columns_Contact" in failed[0] and "Got 1 result" in failed[0]
    assert _failures(settings, selector) == []


def test_a_duplicate_or_missing_key_fails_the_marts_primary_key_test(built) -> None:
    # primary_key is dbt's unique and not_null in one query: one failing row per duplicated key, one for null
    result, settings = built
    selector = "test_name:primary_key,Case"
    assert _failures(settings, selector) == []
    first = 'where "Dispatch_Pro_Id__c" = (select min("Dispatch_Pro_Id__c") from main.mart_backup)'
    with _mart_changed(
        result.duckdb_path,
        "Case",
        (f"insert into {{mart}} select * from main.mart_backup {first}", []),
        (
            'insert into {mart} select * replace (null as "Dispatch_Pro_Id__c") '
            f"from main.mart_backup {first}",
            [],
        ),
    ):
        failed = _failures(settings, selector)
        assert len(failed) == 1 and "primary_key_Case" in failed[0] and "Got 2 results" in failed[0], failed
    assert _failures(settings, selector) == []
