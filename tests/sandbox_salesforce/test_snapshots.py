"""Snapshots a rollback test can trust (issue 8, item 8): the diff covers the recycle bin, and a reset
re-creates the starting records without re-stamping their CreatedDate."""

from __future__ import annotations

import time


def _snap(org) -> str:
    return org.admin("POST", "/snapshot")["snapshot_id"]


def test_soft_deleted_records_are_not_the_org_as_before(org):
    before = _snap(org)
    acct = org.sf.Account.create({"Name": "Loaded then rolled back"})["id"]
    contact = org.sf.Contact.create({"LastName": "Child", "AccountId": acct})["id"]
    org.sf.Account.delete(acct)  # a rollback by soft delete: both sit in the recycle bin
    soft = _snap(org)
    diff = org.admin("GET", f"/snapshots/{before}/diff/{soft}")
    assert diff["empty"] is False
    assert diff["objects"]["Account"]["recycle_bin_added"] == [acct]
    assert diff["objects"]["Contact"]["recycle_bin_added"] == [contact]
    assert diff["objects"]["Account"]["added"] == [] and diff["objects"]["Account"]["removed"] == []
    # a hard delete empties the bin too: now the org is what it was
    from tests.sandbox_salesforce.helpers import run_job

    info, _ = run_job(
        org, {"object": "Account", "operation": "hardDelete", "lineEnding": "LF"}, f"Id\n{acct}\n"
    )
    assert info["numberRecordsFailed"] == 0
    hard = _snap(org)
    assert org.admin("GET", f"/snapshots/{before}/diff/{hard}")["empty"] is True
    # and a record that went live -> bin shows on both sides of the ledger
    other = org.sf.Account.create({"Name": "Live"})["id"]
    live = _snap(org)
    org.sf.Account.delete(other)
    binned = org.admin("GET", f"/snapshots/{live}/diff/{_snap(org)}")["objects"]["Account"]
    assert binned["removed"] == [other] and binned["recycle_bin_added"] == [other]


def test_reset_keeps_the_seed_rows_created_date(org):
    soql = "SELECT Id, CreatedDate, Email FROM User ORDER BY Id"
    users = org.sf.query_all(soql)["records"]
    assert users, "the org starts with users"
    pricebook = org.sf.query("SELECT Id, CreatedDate FROM Pricebook2")["records"]
    first = _snap(org)
    time.sleep(1.1)  # a re-stamp would move CreatedDate by at least a second
    org.admin("POST", "/reset")
    assert org.sf.query_all(soql)["records"] == users
    assert org.sf.query("SELECT Id, CreatedDate FROM Pricebook2")["records"] == pricebook
    diff = org.admin("GET", f"/snapshots/{first}/diff/{_snap(org)}?include_system=true")
    assert "User" not in diff["objects"] and "Pricebook2" not in diff["objects"]
