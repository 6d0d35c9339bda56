"""``dbt build`` of the mapping on the fixture raw DB (shaped like the dlt extract): marts, quarantine, rules.

One build per module (it is the slow part); each test reads the result read-only.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.fields import TEXT_TYPES, load_field_list
from core.settings import get_settings
from mapping.transform import TransformError, TransformResult, run_dbt, run_transform
from tests.conftest import transformed_copy


@pytest.fixture(scope="module")
def built(fixture_transform, tmp_path_factory) -> tuple[TransformResult, object]:
    return transformed_copy(fixture_transform, tmp_path_factory.mktemp("transform"))


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_build_passes_every_test_and_counts_each_mart(built) -> None:
    result, _ = built
    assert result.failed == 0 and result.passed > 200
    # one policy: only record-level problems hold a record back (job:1007, its Contact has no last name);
    # value problems (invalid email, a value that does not convert) are flagged and the records load
    assert result.mart_rows["Case"] == 8 and result.mart_rows["Account"] == 3
    assert result.quarantined_rows["Case"] == 1
    assert result.flagged_values == 11  # incl. the planted rows of test_losses.py


def test_every_source_row_lands_in_exactly_one_of_mart_or_quarantine(built) -> None:
    result, _ = built
    path = result.duckdb_path
    sources = {
        "Case": "select 'job:' || id from raw_dispatch_pro.jobs",
        "Invoice_Line__c": "select 'invoice_item:' || id from raw_dispatch_pro.invoice_items",
        "Job_Status_History__c": "select 'history:' || id from raw_dispatch_pro.job_history",
        "Invoice__c": "select 'invoice:' || id from raw_dispatch_pro.invoices",
    }
    for obj, sql in sources.items():
        source = {r[0] for r in _rows(path, sql)}
        mart = [r[0] for r in _rows(path, f'select "Dispatch_Pro_Id__c" from salesforce."{obj}"')]
        held = {
            r[0]
            for r in _rows(
                path, f"select source_key from quarantine.quarantine_all where object_name = '{obj}'"
            )
        }
        assert len(mart) == len(set(mart)), obj
        assert set(mart).isdisjoint(held), obj
        assert set(mart) | held == source, obj


def test_the_partition_test_fails_when_a_row_disappears(built) -> None:
    result, settings = built
    where = """where "Dispatch_Pro_Id__c" = 'job:1000'"""
    with duckdb.connect(str(result.duckdb_path)) as con:
        con.execute(f'create table main.case_backup as select * from salesforce."Case" {where}')
        con.execute(f'delete from salesforce."Case" {where}')
    try:
        run = run_dbt(settings, ["test", "--select", "assert_every_source_row_lands_once"])
        assert run.returncode != 0
        assert run.failures() and "assert_every_source_row_lands_once" in run.failures()[0]
    finally:
        with duckdb.connect(str(result.duckdb_path)) as con:
            con.execute('insert into salesforce."Case" select * from main.case_backup')
            con.execute("drop table main.case_backup")
    assert (
        _rows(result.duckdb_path, """select count(*) from salesforce."Case" """)[0][0]
        == result.mart_rows["Case"]
    )


def test_the_mapping_unit_tests_pass_where_the_pipeline_build_leaves_them_out(built) -> None:
    """The pipeline's ``dbt build`` runs no unit test (fixed inputs, the same on every tenant); ``make test``
    runs every one of them here, on the built fixture DB, and each must pass."""
    result, settings = built
    manifest = json.loads((settings.build_dir / "dbt" / "target" / "manifest.json").read_text())
    defined = set(manifest.get("unit_tests", {}))
    assert len(defined) >= 10
    built_results = json.loads((settings.build_dir / "dbt" / "target" / "run_results.json").read_text())
    assert not [r for r in built_results["results"] if r["unique_id"].startswith("unit_test.")]
    run = run_dbt(settings, ["test", "--resource-type", "unit_test"])
    assert run.returncode == 0, run.failures() or run.output[-2000:]
    ran = {r["unique_id"]: r["status"] for r in run.results}
    assert set(ran) == defined and set(ran.values()) == {"pass"}, ran


def test_quarantine_rules_hold_back_with_a_reason(built) -> None:
    result, _ = built
    sql = "select object_name, source_key, rule, value, reason from quarantine.quarantine_all"
    held = {(r[0], r[1], r[2]): (r[3], r[4]) for r in _rows(result.duckdb_path, sql)}
    sql = sql.replace("quarantine.quarantine_all", "quarantine.flagged_values")
    flagged = {(r[0], r[1], r[2]): (r[3], r[4]) for r in _rows(result.duckdb_path, sql)}
    # Pending (off ServiceTitan's list) maps to New through map_job_status; the original stays beside it
    [(status, original)] = _rows(result.duckdb_path, """select "Status", "Dispatch_Pro_Status__c"
        from salesforce."Case" where "Dispatch_Pro_Id__c" = 'job:1006'""")  # fmt: skip
    assert (status, original) == ("New", "Pending")
    assert not any(rule == "unmapped_value" for (_, _, rule) in [*flagged, *held])
    assert not any(key[1] in ("job:1006", "job:1008", "customer:3") for key in held)
    sql = """select source_key || ' ' || column_name, value from quarantine.flagged_values
        where rule = 'invalid_value_nulled'"""
    single_site = _rows(result.duckdb_path, """select "Site_Access_Notes__c" from salesforce."Account"
        where "Dispatch_Pro_Id__c" = 'customer:5'""")  # fmt: skip
    assert single_site == [("Side door",)], "a single-site location's custom value travels with its Account"
    assert dict(_rows(result.duckdb_path, sql)) == {
        "job:1001 Equipment_Age_yrs__c": "two",
        "job:1002 Lead_Quality__c": "Lukewarm",
    }
    loaded = _rows(result.duckdb_path, """select "Equipment_Age_yrs__c", "Lead_Quality__c"
        from salesforce."Case" where "Dispatch_Pro_Id__c" in ('job:1001', 'job:1002')""")  # fmt: skip
    assert loaded == [(None, None), (None, None)], "flagged values load empty, the records still load"
    assert "allows 255 characters, the value has 283" in held[("Account", "customer:8", "too_long")][1]
    assert flagged[("Contact", "customer:3", "invalid_email")][0] == "not-an-email"
    [(email,)] = _rows(result.duckdb_path, """select "Email" from salesforce."Contact"
        where "Dispatch_Pro_Id__c" = 'customer:3'""")  # fmt: skip
    assert email is None, "one malformed email no longer holds back the Contact and its job tree"
    assert ("Contact", "customer:7", "missing_required") in held
    assert held[("Case", "job:1007", "parent_not_loaded")][0] == "customer:7"
    [(item_type,)] = _rows(result.duckdb_path, """select "Type__c" from salesforce."Line_Item__c"
        where "Dispatch_Pro_Id__c" = 'item:8104'""")  # fmt: skip
    assert item_type == "Other", "Unspecified maps to Other"
    assert held[("ContentVersion", "attachment:6001", "file_too_large")][0] == "27262976"
    [(tool,)] = _rows(result.duckdb_path, """select "Scheduling_Tool__c"
        from salesforce."Job_Status_History__c" where "Dispatch_Pro_Id__c" = 'history:9004'""")  # fmt: skip
    assert tool == "Routing"


def test_customers_split_into_accounts_contacts_and_placeholders(built) -> None:
    result, _ = built
    accounts = dict(
        _rows(result.duckdb_path, 'select "Dispatch_Pro_Id__c", "Name" from salesforce."Account"')
    )
    assert accounts == {
        "customer:1": "Acme Plumbing Supply",
        "customer:5": "Globex Corp",
        "placeholder:1": "Unassigned Account",
    }
    contacts = {r[0]: r[1:] for r in _rows(result.duckdb_path, """
        select "Dispatch_Pro_Id__c", "Account.Dispatch_Pro_Id__c", "FirstName", "LastName", "Email", "Phone"
        from salesforce."Contact" """)}  # fmt: skip
    assert contacts["customer:2"] == ("placeholder:1", "Jane Q", "Public", "jane@example.test", "555-0200")
    assert contacts["customer:4"][1:3] == ("Bob the", "Builder")
    assert contacts["contact:101"] == ("customer:1", "Mary", "Jones", "mary.jones@acme.test", "555-0102")
    groups = _rows(result.duckdb_path, """select "_duplicate_group" from salesforce."Contact"
        where "Dispatch_Pro_Id__c" in ('customer:2', 'customer:6')""")  # fmt: skip
    assert {g[0] for g in groups} == {"dup:2"}
    sites = _rows(result.duckdb_path, 'select "Dispatch_Pro_Id__c" from salesforce."Location__c" order by 1')
    assert [s[0] for s in sites] == ["location:10", "location:11", "location:14", "location:15"]


def test_cases_carry_mapped_values_owner_and_custom_properties(built) -> None:
    result, _ = built
    [case] = _rows(result.duckdb_path, """
        select "Status", "Closed_Reason__c", "Priority", "Dispatch_Pro_Priority__c", "Description",
            "_owner_email", "_owner_fallback", "Location__r.Dispatch_Pro_Id__c", "Signature_Captured__c"
        from salesforce."Case" where "Dispatch_Pro_Id__c" = 'job:1000'""")  # fmt: skip
    assert case == (
        "Closed", "Completed", "High", "Emergency", "Replace boiler & test", "tom.tech@example.com", False,
        "location:10", True,
    )  # fmt: skip
    [custom] = _rows(result.duckdb_path, """
        select "Warranty_Claim__c", "Lead_Quality__c", "Equipment_Age_yrs__c", "Inspection_Date__c",
            "Permit_Required__c"
        from salesforce."Case" where "Dispatch_Pro_Id__c" = 'job:1000'""")  # fmt: skip
    assert custom == ("#4471", "Hot", 2400.0, date(2026, 3, 15), True)
    signature = _rows(result.duckdb_path, """select "Signer_Name__c", "_first_publish_case_key"
        from salesforce."ContentVersion" where "Dispatch_Pro_Id__c" = 'signature:6003'""")  # fmt: skip
    assert signature == [("Pat Customer", "job:1000")]
    inline = _rows(result.duckdb_path, """select "Source_Sha256__c", "_size_bytes"
        from salesforce."ContentVersion" where "Dispatch_Pro_Id__c" = 'inline:job:1000:1'""")  # fmt: skip
    assert inline == [("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", 5)]
    note = _rows(result.duckdb_path, """select "File_Kind__c", length("_content_text")
        from salesforce."ContentVersion" where "Dispatch_Pro_Id__c" = 'note:7001'""")  # fmt: skip
    assert note[0][0] == "Note" and note[0][1] > 4000


def test_marts_have_exactly_the_contract_columns_and_no_value_over_its_length(built) -> None:
    result, _ = built
    field_list = load_field_list()
    for obj in field_list.enabled_objects("custom"):
        fields = field_list.mart_fields(obj.name)
        sql = f"""select column_name from information_schema.columns
            where table_schema = 'salesforce' and table_name = '{obj.name}'"""
        columns = [r[0] for r in _rows(result.duckdb_path, sql)]
        assert sorted(columns) == sorted(f.mart_column for f in fields), obj.name
        for f in fields:
            if f.type in TEXT_TYPES and f.length:
                [(longest,)] = _rows(
                    result.duckdb_path,
                    f'select coalesce(max(length("{f.mart_column}")), 0) from salesforce."{obj.name}"',
                )
                assert longest <= f.length, f"{obj.name}.{f.name}"


def test_missing_raw_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TransformError, match="no raw data at .*dp2sf.duckdb: run `dp2sf extract` first"):
        run_transform(get_settings(data_dir=tmp_path, build_dir=tmp_path / "build"))
    with pytest.raises(TransformError, match="invoices must be one of custom, order"):
        run_transform(get_settings(data_dir=tmp_path), invoices="orders")


# Losses the issue-9 review found, each with planted rows (tests/mapping/fixture_db.py PLANTED): where the
# value ends up.


def test_a_technician_email_ending_in_a_tab_is_normalised_not_flagged(built) -> None:
    result, _ = built
    emails = _rows(result.duckdb_path, """select distinct "Technician_Email__c", "_user_email"
        from salesforce."Skill__c" where "Technician_Id__c" = '3'""")  # fmt: skip
    assert emails == [("sam@example.com", "sam@example.com")]
    flagged = _rows(result.duckdb_path, """select count(*) from quarantine.flagged_values
        where rule = 'invalid_email' and value like 'sam@%'""")  # fmt: skip
    assert flagged == [(0,)]


def test_blank_and_unicode_whitespace_address_parts_are_missing(built) -> None:
    result, _ = built
    contact = _rows(result.duckdb_path, """select "MailingCity", "MailingState", "Address_Incomplete__c"
        from salesforce."Contact" where "Dispatch_Pro_Id__c" = 'customer:4'""")  # fmt: skip
    assert contact == [(None, None, True)]


def test_a_unicode_person_name_becomes_a_contact(built) -> None:
    result, _ = built
    contact = _rows(result.duckdb_path, """
        select "Account.Dispatch_Pro_Id__c", "FirstName", "LastName", "Email"
        from salesforce."Contact" where "Dispatch_Pro_Id__c" = 'contact:109'""")  # fmt: skip
    assert contact == [("customer:5", "Søren", "Fisher", "soren@globex.test")]


def test_meaning_is_kept_an_unpaid_credit_is_not_paid_and_hold_keeps_its_original(built) -> None:
    result, _ = built
    status = _rows(result.duckdb_path, """select "Status", "Dispatch_Pro_Status__c" from salesforce."Case"
        where "Dispatch_Pro_Id__c" = 'job:1003'""")  # fmt: skip
    # On Hold (added to Case Status by the manifest's CaseStatus StandardValueSet); the original is kept too
    assert status == [("On Hold", "Hold")]
    credit = _rows(result.duckdb_path, """select "Payment_Status__c", "Total__c", "Balance__c"
        from salesforce."Invoice__c" where "Dispatch_Pro_Id__c" = 'invoice:8003'""")  # fmt: skip
    assert [(s, float(t), float(b)) for s, t, b in credit] == [("Credit", -25.0, -25.0)]


def test_every_value_map_row_carries_a_note() -> None:
    import csv

    from core.fields import DBT_DIR

    # record types are the target org's own: their map ships empty and an admin fills it (issue 20)
    org_specific = {"map_record_type.csv"}
    for path in sorted((DBT_DIR / "seeds").glob("map_*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows or path.name in org_specific, path.name
        assert all((r.get("note") or "").strip() for r in rows), path.name


def test_the_duckdb_memory_limit_setting_reaches_the_build(built) -> None:
    """``DP2SF_DUCKDB_MEMORY_LIMIT`` caps DuckDB's buffer manager in every dbt run of the transform (a small
    machine, or beside other work; at L the uncapped build held 10 GB)."""
    _, settings = built
    run = run_dbt(
        settings.model_copy(update={"duckdb_memory_limit": "700MB"}),
        ["show", "--inline", "select current_setting('memory_limit') as cap", "--output", "json"],
    )
    assert run.returncode == 0, run.output[-2000:]
    assert "667.5 MiB" in run.output  # DuckDB reports 700 MB (10^6 bytes) in MiB
