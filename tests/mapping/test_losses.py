"""Losses the issue-9 review found (second half), each with planted rows (tests/mapping/fixture_db.py
PLANTED): where the value ends up, in the mart after its documented transformation or in quarantine or
flagged_values.

One ``dbt build`` per module on the fixture raw DB; each test reads the result read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mapping.transform import TransformResult
from tests.conftest import transformed_copy


@pytest.fixture(scope="module")
def built(fixture_transform, tmp_path_factory) -> TransformResult:
    return transformed_copy(fixture_transform, tmp_path_factory.mktemp("losses"))[0]


def _rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _flagged(result: TransformResult, rule: str) -> dict[tuple[str, str, str], tuple[str, str]]:
    sql = f"""select object_name, source_key, column_name, value, reason from quarantine.flagged_values
        where rule = '{rule}'"""
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in _rows(result.duckdb_path, sql)}


def test_a_date_outside_the_salesforce_range_is_flagged_and_the_record_loads(built) -> None:
    flagged = _flagged(built, "date_out_of_range")
    value, reason = flagged[("Account", "customer:1", "Contract_Renewal__c")]
    assert value == "0001-02-25" and "1700-01-01..4000-12-31" in reason
    assert flagged[("Case", "job:1002", "Inspection_Date__c")][0] == "4100-01-01"
    account = _rows(built.duckdb_path, """select "Contract_Renewal__c" from salesforce."Account"
        where "Dispatch_Pro_Id__c" = 'customer:1'""")  # fmt: skip
    assert account == [(None,)], "the Account loads without the out-of-range date"
    case = _rows(built.duckdb_path, """select "Inspection_Date__c" from salesforce."Case"
        where "Dispatch_Pro_Id__c" = 'job:1002'""")  # fmt: skip
    assert case == [(None,)]


def test_signature_captured_comes_from_the_form_units_and_unusable_images_are_listed(built) -> None:
    captured = dict(_rows(built.duckdb_path, """select "Dispatch_Pro_Id__c", "Signature_Captured__c"
        from salesforce."Case" where "Dispatch_Pro_Id__c" in ('job:1000', 'job:1001', 'job:1002')
        """))  # fmt: skip
    # 1000: image stored; 1002: signed on the form, image not downloadable; 1001: signature refused
    assert captured == {"job:1000": True, "job:1001": False, "job:1002": True}
    held = _rows(built.duckdb_path, """select source_key, rule, value, reason from quarantine.quarantine_all
        where object_name = 'ContentVersion' and source_key like 'signature:%'""")  # fmt: skip
    assert held == [
        (
            "signature:submission 4001 unit 2 #0",
            "file_unusable",
            "signature.png",
            "file unusable: the attachment carries no id (job 1002)",
        )
    ]


def test_an_unseeded_custom_property_is_flagged_not_dropped(built) -> None:
    value, reason = _flagged(built, "no_target_field")[("Case", "job:1001", "Serial Number")]
    assert value == "SN-778" and "custom_fields.csv" in reason
    assert _rows(built.duckdb_path, """select count(*) from salesforce."Case"
        where "Dispatch_Pro_Id__c" = 'job:1001'""") == [(1,)]  # fmt: skip


def test_an_empty_file_is_held_back_and_an_oversize_file_names_its_job(built) -> None:
    held = {
        r[0]: r[1:]
        for r in _rows(
            built.duckdb_path,
            """select source_key, rule, reason from quarantine.quarantine_all
            where object_name = 'ContentVersion' and source_key like 'attachment:%'""",
        )  # fmt: skip
    }
    assert held["attachment:6002"] == (
        "file_unusable",
        "file unusable: 0 bytes, no content to upload (job J-1002, job:1002)",
    )
    assert (
        held["attachment:6001"][0] == "file_too_large"
        and "(job J-1000, job:1000)" in held["attachment:6001"][1]
    )
    mart = _rows(built.duckdb_path, """select count(*) from salesforce."ContentVersion"
        where "_size_bytes" = 0 or "Dispatch_Pro_Id__c" = 'attachment:6002'""")  # fmt: skip
    assert mart == [(0,)]


def test_money_keeps_its_precision_and_extra_decimals_are_flagged_not_rounded(built) -> None:
    flagged = _flagged(built, "too_many_decimals")
    assert flagged[("Invoice_Line__c", "invoice_item:8190", "Total__c")][0].startswith("12.345")
    assert flagged[("Invoice_Line__c", "invoice_item:8190", "Unit_Price__c")][0].startswith("12.345")
    assert flagged[("Line_Item__c", "item:8190", "Total__c")][0].startswith("12.345")
    value, reason = flagged[("Location__c", "location:15", "Equipment_Count__c")]
    assert float(value) == 3100.5 and "keeps 0 decimals" in reason
    line = _rows(built.duckdb_path, """select "Total__c" from salesforce."Invoice_Line__c"
        where "Dispatch_Pro_Id__c" = 'invoice_item:8190'""")  # fmt: skip
    assert line == [(None,)], "loaded without the value, never as 12.35"
    staged = _rows(built.duckdb_path, """select cast(total as double)
        from staging.stg_dispatch_pro__invoice_items where invoice_item_id = 8190""")  # fmt: skip
    assert staged == [(12.345,)], "staging keeps the source precision"


def test_html_to_text_in_the_models_keeps_text_that_is_not_a_tag(built) -> None:
    description = _rows(built.duckdb_path, """select "Description" from salesforce."Case"
        where "Dispatch_Pro_Id__c" = 'job:1001'""")  # fmt: skip
    assert description == [
        ("Keep temp <40F and check pressure >2 bar, ok [image: https://cdn.example.test/gauge.png]",)
    ]
