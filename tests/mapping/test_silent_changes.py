"""Issue 17 §3: the silent changes, one test per class, each with the issue's example and values of our own
(planted by ``plant_silent_changes``): where each value ends up, in the mart or named in
``quarantine.flagged_values``; and an unmapped value fails the build naming it.

One ``dbt build`` of the planted fixture per module, one more for the unmapped values.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from core.settings import Settings, get_settings
from mapping.transform import TransformError, TransformResult, run_transform
from tests.mapping.fixture_db import build_fixture_db, plant_silent_changes, plant_unmapped_values

EXAMPLE = "Compressor A<B and B>C per spec; if a<b && c>d call office"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> TransformResult:
    root = tmp_path_factory.mktemp("silent")
    settings = get_settings(data_dir=root / "data", build_dir=root / "build")
    plant_silent_changes(build_fixture_db(settings.duckdb_path))
    return run_transform(settings, docs=False)


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _flagged(result: TransformResult, rule: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    sql = f"""select object_name, source_key, column_name, value, reason from quarantine.flagged_values
        where rule = '{rule}'"""
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in _rows(result.duckdb_path, sql)}


def _one(result: TransformResult, obj: str, key: str, columns: str) -> tuple:
    sql = f"""select {columns} from salesforce."{obj}" where "Dispatch_Pro_Id__c" = '{key}'"""
    [row] = _rows(result.duckdb_path, sql)
    return row


def test_a_note_loads_as_a_browser_shows_it_and_dropped_text_is_flagged_with_the_original(built) -> None:
    assert _one(built, "Case", "job:1003", '"Description"') == ("Compressor AC per spec; if ad call office",)
    flagged = _flagged(built, "html_text_lost")
    value, reason = flagged[("Case", "job:1003", "Description")]
    assert value == EXAMPLE and "'<B and B>', '<b && c>'" in reason
    # an unknown element: its text shows, the tag is named; the CaseComment loads the parsed text
    assert _one(built, "CaseComment", "note:7010", '"CommentBody"') == ("Check film & valve",)
    value, reason = flagged[("CaseComment", "note:7010", "CommentBody")]
    assert value.startswith("<p>Check <xray>") and "'<xray>'" in reason
    # editor markup and a "<" that starts no tag lose nothing: not flagged
    assert _one(built, "Event", "appointment:5000", '"Description"') == ("Ring twice, temp <40F ok",)
    assert set(flagged) == {("Case", "job:1003", "Description"), ("CaseComment", "note:7010", "CommentBody")}


def test_a_memo_travels_with_its_value_and_another_persons_method_is_a_line(built) -> None:
    phone, mobile, lines = _one(
        built, "Contact", "customer:2", '"Phone", "MobilePhone", "Other_Contact_Methods__c"'
    )
    # the daughter's mobile is listed first in the source, yet the customer's own mobile is the standard field
    assert mobile == "555-0201"
    assert "Mobile: (555) 010-2030 (Owner’s daughter - Kelly)" in lines.splitlines()
    assert phone == "555-0200" and "Phone: 555-0200 (cell)" in lines.splitlines(), "the memo travels"
    assert "Email: jane@example.test [do not text: yes; marketing: no]" in lines.splitlines()
    phone, lines = _one(built, "Contact", "customer:3", '"Phone", "Other_Contact_Methods__c"')
    assert phone is None and lines.splitlines() == ["Phone: 555-0300 (Kelly Smith)"]


def test_numbers_and_dates_are_read_in_the_source_locale_and_two_way_readings_flagged(built) -> None:
    assert _one(built, "Contact", "customer:3", '"Contract_Renewal__c", "Square_Footage__c"') == (
        date(2025, 1, 2),
        None,
    )
    assert _one(built, "Case", "job:1003", '"Inspection_Date__c", "Equipment_Age_yrs__c"') == (
        date(2025, 12, 31),
        None,
    )
    assert _one(built, "Account", "customer:1", '"Square_Footage__c"') == (2400,), "en_US groups by ','"
    flagged = _flagged(built, "invalid_value_nulled")
    for key, value in (
        (("Contact", "customer:3", "Square_Footage__c"), "1,5"),
        (("Contact", "customer:4", "Square_Footage__c"), "1.234,5"),
        (("Case", "job:1003", "Equipment_Age_yrs__c"), "12,34"),
    ):
        assert flagged[key][0] == value and "reads two ways in the source locale en_US" in flagged[key][1]
    value, reason = flagged[("Contact", "customer:4", "Contract_Renewal__c")]
    assert value == "2026-02-29" and "does not convert" in reason


def test_fields_once_declared_no_target_land_in_their_default_custom_fields(built) -> None:
    assert _one(built, "Case", "job:1005", '"Dispatch_Pro_Active__c"') == (False,), "inactive stays inactive"
    assert _one(built, "Case", "job:1001", '"Dispatch_Pro_Active__c", "No_Charge__c"') == (True, True)
    assert _one(built, "Event", "appointment:5000", '"Is_Confirmed__c"') == (True,)
    assert _one(built, "Invoice__c", "invoice:8001", '"Discount_Total__c"') == (25,)
    for obj, key in (("Line_Item__c", "item:8104"), ("Invoice_Line__c", "invoice_item:8104")):
        assert _one(built, obj, key, '"Cost__c", "Taxable__c", "Service_Date__c"') == (
            4.5,
            True,
            date(2024, 2, 3),
        )
    row = _one(
        built, "Invoice__c", "invoice:8000", '"Tax_Rate__c", "Payment_Terms__c", "Payment_Applications__c"'
    )
    assert row[:2] == (8.25, "Net 30") and "by Dana (ref CHK-1001)" in row[2]
    # a single site's custom properties travel with the Account it is part of (no Location__c of its own)
    assert _one(built, "Account", "customer:5", '"Site_Access_Notes__c"') == ("Side door",)
    assert _flagged(built, "no_target_record") == {}
    declared = {
        (r[0], r[1]) for r in _rows(built.duckdb_path, 'select "table", "column" from mapping."not_migrated"')
    }
    mapped = {("invoices", "discount_total"), ("invoice_items", "cost"), ("invoice_items", "service_date")}
    mapped |= {("jobs", "no_charge"), ("jobs", "active"), ("appointments", "is_confirmed")}
    assert not mapped & declared, "a mapped column is no longer declared not migrated"


def test_every_value_the_simulator_produces_is_mapped(built) -> None:
    from sandbox.dispatch_pro.skeleton import JOB_STATUSES, PRIORITIES

    with duckdb.connect(str(built.duckdb_path), read_only=True) as con:
        statuses = {
            r[0] for r in con.execute('select source_status from mapping."map_job_status"').fetchall()
        }
        priorities = {
            r[0] for r in con.execute('select source_priority from mapping."map_job_priority"').fetchall()
        }
    assert set(JOB_STATUSES) <= statuses and set(PRIORITIES) <= priorities
    assert _one(built, "Case", "job:1006", '"Status", "Dispatch_Pro_Status__c"') == ("New", "Pending")


def test_a_value_no_map_knows_fails_the_build_naming_it(tmp_path: Path) -> None:
    settings: Settings = get_settings(data_dir=tmp_path / "data", build_dir=tmp_path / "build")
    plant_unmapped_values(build_fixture_db(settings.duckdb_path))
    with pytest.raises(TransformError, match="assert_every_source_value_is_mapped"):
        run_transform(settings, docs=False)
    results = json.loads((settings.build_dir / "dbt/target/run_results.json").read_text())
    [message] = [r["message"] for r in results["results"] if r["status"] in ("error", "fail")]
    for named in (
        "Case.Status 'Teleported' (1 records, seeds/map_job_status.csv)",
        "Case.Priority 'Whenever'",
        "Line_Item__c.Type__c 'Mystery'",
        "Job_Status_History__c.Scheduling_Tool__c 'QuantumTool'",
    ):
        assert named in message
    # the quarantine is still built: `dp2sf map propose` reads the values from it
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        [(n,)] = con.execute(
            "select count(*) from quarantine.flagged_values where rule = 'unmapped_value'"
        ).fetchall()
    assert n >= 4
