"""Source fields that had no target (issue 9, "what is left"), each with planted rows
(tests/mapping/fixture_db.py PLANTED): the value is asserted in the field it lands in.

One ``dbt build`` (both invoice modes share nothing, so the custom mode only) per module; each test reads the
result read-only.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mapping.lineage import load_declarations
from mapping.transform import TransformResult
from tests.conftest import transformed_copy


@pytest.fixture(scope="module")
def built(fixture_transform, tmp_path_factory) -> TransformResult:
    return transformed_copy(fixture_transform, tmp_path_factory.mktemp("fields"))[0]


def _one(path: Path, obj: str, key: str, columns: str) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            f'select {columns} from salesforce."{obj}" where "Dispatch_Pro_Id__c" = ?', [key]
        ).fetchall()
    assert len(rows) == 1, (obj, key, rows)
    return rows[0]


def test_no_declaration_says_not_yet() -> None:
    for d in load_declarations():
        assert "not yet" not in d.reason.lower(), (d.table, d.column, d.reason)


def test_customer_flags_land_on_account_and_contact(built) -> None:
    cols = '"Do_Not_Mail__c", "Do_Not_Service__c", "Tax_Exempt__c"'
    assert _one(built.duckdb_path, "Account", "customer:1", cols) == (True, None, True)
    assert _one(built.duckdb_path, "Contact", "customer:2", cols) == (None, True, None)


def test_site_tax_exempt_lands_on_the_location_or_the_single_site_account(built) -> None:
    assert _one(built.duckdb_path, "Location__c", "location:15", '"Tax_Exempt__c"') == (True,)
    assert _one(built.duckdb_path, "Account", "customer:5", '"Site_Tax_Exempt__c"') == (True,)


def test_customer_po_and_invoice_summary(built) -> None:
    assert _one(built.duckdb_path, "Case", "job:1000", '"Customer_PO__c"') == ("PO-4471",)
    summary = _one(built.duckdb_path, "Invoice__c", "invoice:8000", '"Summary__c"')
    assert summary == ("Boiler replaced & tested",)


def test_every_contact_method_lands_in_a_field(built) -> None:
    # residential: first of each type in the standard field, a second phone and an inactive email listed
    phone, email, other = _one(
        built.duckdb_path, "Contact", "customer:2", '"Phone", "Email", "Other_Contact_Methods__c"'
    )
    assert (phone, email) == ("555-0200", "jane@example.test")
    assert other.splitlines() == [
        "Phone: 555-0299 (work #)",
        "Email: jane.old@example.test [inactive]",
        "Site Email: home@jane.test",
    ]
    # commercial: the fax on the Account, the company email with no person listed on the Account
    fax, other = _one(built.duckdb_path, "Account", "customer:1", '"Fax", "Other_Contact_Methods__c"')
    assert fax == "555-0109"
    assert other == "Email: billing@acme.test (billing)"
    # the person's methods stay on the person's Contact
    assert _one(built.duckdb_path, "Contact", "contact:101", '"Email", "Phone"') == (
        "mary.jones@acme.test",
        "555-0102",
    )
    # a site of a multi-site customer: its Location__c
    assert _one(built.duckdb_path, "Location__c", "location:14", '"Contact_Methods__c"') == (
        "Phone: 555-1400 (gate code 12)",
    )


def test_call_agent_and_logger_land_on_the_task(built) -> None:
    row = _one(built.duckdb_path, "Task", "call:9000", '"Call_Agent__c", "Logged_By__c"')
    assert row == ("Agent 7", "Agent 7")


def test_single_site_address_and_name_land_on_the_account_or_the_residential_contact(built) -> None:
    # residential, one site ("Home", 12 Elm St): the Contact's Other address and Site_Name__c
    row = _one(
        built.duckdb_path,
        "Contact",
        "customer:2",
        '"OtherStreet", "OtherCity", "OtherPostalCode", "Site_Name__c"',
    )
    assert row == ("12 Elm St", "Springfield", "62702", "Home")
    # commercial, one site: ShippingAddress and the standard Account Site
    assert _one(built.duckdb_path, "Account", "customer:5", '"Site"') == ("Globex HQ",)
    # several sites: each is a Location__c; the Contact carries no single-site address
    assert _one(built.duckdb_path, "Contact", "customer:4", '"OtherStreet", "Site_Name__c"') == (
        None,
        None,
    )


def test_every_technician_of_an_appointment_is_kept(built) -> None:
    # appointment 5000: Tom Tech (first, owns the Event) and Sam Smith (second)
    names = _one(built.duckdb_path, "Event", "appointment:5000", '"Assigned_Technicians__c"')
    assert names == ("Tom Tech, Sam Smith",)
    (lines,) = _one(built.duckdb_path, "Case", "job:1000", '"Technician_Assignments__c"')
    assert lines.splitlines()[:2] == [
        "J-1000-1: Tom Tech <tom.tech@example.com> - Done, assigned 2024-02-01 08:10:00",
        "J-1000-1: Sam Smith <sam@example.com> - Done, assigned 2024-02-01 08:20:00",
    ]


def test_a_long_note_keeps_its_date_and_author(built) -> None:
    row = _one(
        built.duckdb_path,
        "ContentVersion",
        "note:7001",
        '"File_Kind__c", cast("Original_Created_Date__c" as varchar), "Original_Author_Id__c"',
    )
    assert row == ("Note", "2024-02-01 16:05:00", "9")


def test_a_licence_tier_is_not_a_certification_and_certifications_are_not_skills(built) -> None:
    with duckdb.connect(str(built.duckdb_path), read_only=True) as con:
        rows = con.execute("""select "Name", "Skill_Type__c" from salesforce."Skill__c"
            where "Technician_Id__c" = '1' and "Skill_Type__c" <> 'Service Zone' order by 1""").fetchall()
    assert rows == [
        ("EPA 608", "Certification"),
        ("Electrical License", "License"),
        ("HVAC", "Skill"),
        ("ManagedTech", "License Tier"),
        ("Plumbing", "Skill"),
    ]
