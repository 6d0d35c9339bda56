"""An org started as an admin's org (``control.up(..., person_accounts=True, setup=...)``): the record types,
duplicate rules and automation of the profile are part of its starting state and come back after a reset."""

from __future__ import annotations

import pytest

from sandbox import control
from tests.sandbox_salesforce.helpers import OrgHandle

PROFILE = {
    "record_types": [
        {"object": "Case", "developer_name": "Repair", "default": True},
        {"object": "Case", "developer_name": "Install"},
    ],
    "duplicate_rules": [{"object": "Contact", "developer_name": "Contact_Email", "fields": ["Email"]}],
    "triggers": [{"object": "Case", "name": "CaseTrigger", "events": ["after insert"]}],
}


@pytest.fixture(scope="module")
def shaped(tmp_path_factory) -> OrgHandle:
    state = tmp_path_factory.mktemp("sf_shaped_org")
    endpoints = control.up(state, which=("salesforce",), person_accounts=True, setup=PROFILE)["salesforce"]
    try:
        yield OrgHandle(state, endpoints)
    finally:
        control.down(state)


def shape(org: OrgHandle) -> tuple:
    types = org.sf.query(
        "SELECT SobjectType, DeveloperName FROM RecordType ORDER BY SobjectType, DeveloperName"
    )
    rules = org.sf.query("SELECT DeveloperName FROM DuplicateRule")
    triggers = org.sf.query("SELECT Name FROM ApexTrigger")
    return (
        [(r["SobjectType"], r["DeveloperName"]) for r in types["records"]],
        [r["DeveloperName"] for r in rules["records"]],
        [r["Name"] for r in triggers["records"]],
    )


def test_the_profile_is_the_starting_state_and_survives_a_reset(shaped: OrgHandle) -> None:
    want = (
        [
            ("Account", "Business_Account"),
            ("Account", "PersonAccount"),
            ("Case", "Install"),
            ("Case", "Repair"),
        ],
        ["Contact_Email"],
        ["CaseTrigger"],
    )
    assert shape(shaped) == want
    shaped.sf.Contact.create({"LastName": "A", "Email": "a@example.com"})
    refused = shaped.raw("POST", "/sobjects/Contact", json={"LastName": "B", "Email": "a@example.com"})
    assert refused.json()[0]["errorCode"] == "DUPLICATES_DETECTED"
    shaped.admin("POST", "/reset")
    assert shape(shaped) == want
    assert shaped.sf.query("SELECT Id FROM Contact WHERE Email = 'a@example.com'")["totalSize"] == 0
    assert "IsPersonAccount" in {f["name"] for f in shaped.sf.Account.describe()["fields"]}


def test_up_restarts_an_org_started_without_the_profile(tmp_path) -> None:
    plain = control.up(tmp_path, which=("salesforce",))["salesforce"]
    try:
        assert OrgHandle(tmp_path, plain).sf.query("SELECT Id FROM RecordType")["totalSize"] == 0
        again = control.up(tmp_path, which=("salesforce",), setup=PROFILE)["salesforce"]
        assert again["pid"] != plain["pid"]
        assert OrgHandle(tmp_path, again).sf.query("SELECT Id FROM RecordType")["totalSize"] == 2
        assert control.up(tmp_path, which=("salesforce",))["salesforce"]["pid"] == again["pid"]
    finally:
        control.down(tmp_path)
