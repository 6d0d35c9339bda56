"""The Person Account shape's ground rules (issue 20 §3): which Account fields only a person account takes,
the columns a plain build leaves out, and the build stamp that records the shape."""

from __future__ import annotations

import duckdb

from core.fields import load_field_list, person_only, shape_columns
from core.stamp import read_build_stamp, write_build_stamp


def test_person_only_fields_are_the_account_person_fields_of_the_field_list() -> None:
    fields = load_field_list()
    person = {f.name for f in fields.fields_of("Account") if person_only("Account", f.name)}
    assert {"FirstName", "LastName", "PersonEmail", "PersonMobilePhone", "PersonMailingCity"} <= person
    assert "Dispatch_Pro_Id__pc" in person
    # a business Account's own fields and every other object's fields are not person-only
    assert not {"Name", "Phone", "BillingCity", "Dispatch_Pro_Id__c", "_person_account"} & person
    assert not any(person_only("Contact", f.name) for f in fields.fields_of("Contact"))


def test_a_plain_build_leaves_the_person_columns_out() -> None:
    columns = [
        "Dispatch_Pro_Id__c",
        "Name",
        "FirstName",
        "PersonEmail",
        "Dispatch_Pro_Id__pc",
        "_person_account",
    ]
    assert shape_columns("Account", columns, False) == ["Dispatch_Pro_Id__c", "Name", "_person_account"]
    assert shape_columns("Account", columns, True) == columns
    assert shape_columns("Contact", ["FirstName", "LastName"], False) == ["FirstName", "LastName"]


def test_the_build_stamp_records_the_shape_and_reads_an_older_stamp_as_plain() -> None:
    con = duckdb.connect()
    assert write_build_stamp(con, "h", "custom", person_accounts=True).person_accounts is True
    assert read_build_stamp(con).person_accounts is True
    con.execute(
        "create or replace table salesforce.build_stamp "
        "(mapping_hash varchar, invoices varchar, built_at timestamp)"
    )
    con.execute("insert into salesforce.build_stamp values ('h', 'custom', now())")
    assert read_build_stamp(con).person_accounts is False
