"""Admin API: deploy, audit-field setting, recycle bin and undelete, cascades, snapshots, reset, restart."""

from __future__ import annotations

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from sandbox import control
from tests.sandbox_salesforce.helpers import OrgHandle, field_xml, manifest


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """An org with nothing deployed (restarted by one test)."""
    state = tmp_path_factory.mktemp("sf_bare")
    try:
        yield state, OrgHandle(state, control.up(state, which=("salesforce",))["salesforce"])
    finally:
        control.down(state)


def test_writes_before_deploy_fail_like_salesforce_then_work(bare):
    _, org = bare
    with pytest.raises(SalesforceResourceNotFound) as exc:
        org.sf.Location__c.create({"Name": "early"})
    assert exc.value.content[0]["errorCode"] == "NOT_FOUND"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.query("SELECT Id FROM Location__c")
    assert exc.value.content[0]["errorCode"] == "INVALID_TYPE"
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Account.create({"Name": "x", "Dispatch_Pro_Id__c": "a"})
    assert exc.value.content[0]["errorCode"] == "INVALID_FIELD"
    result = org.deploy(manifest())
    assert result["success"] is True
    loc = org.sf.Location__c.create({"Name": "late", "Dispatch_Pro_Id__c": "location:9"})["id"]
    assert org.sf.Location__c.get(loc)["Name"] == "late"
    assert org.sf.Account.create({"Name": "x", "Dispatch_Pro_Id__c": "a"})["success"]
    fields = {f["name"] for f in org.sf.Case.describe()["fields"]}
    assert {"Location__c", "Dispatch_Pro_Id__c"} <= fields


def test_bad_deploy_changes_nothing(bare):
    _, org = bare
    files = {
        "objects/Case/fields/Odd__c.field-meta.xml": field_xml("Odd__c", "<label>Odd</label><type>Wat</type>")
    }
    result = org.deploy(files)
    assert result["success"] is False and result["problems"]
    assert "Odd__c" not in {f["name"] for f in org.sf.Case.describe()["fields"]}


def test_persistence_across_restart(bare):
    state, org = bare
    rid = org.sf.Location__c.create({"Name": "survivor", "Dispatch_Pro_Id__c": "location:keep"})["id"]
    control.down(state)
    again = OrgHandle(state, control.up(state, which=("salesforce",))["salesforce"])
    assert again.sf.Location__c.get(rid)["Name"] == "survivor"
    users = again.sf.query("SELECT COUNT() FROM User")["totalSize"]
    assert users >= 2 and again.sf.Account.describe()["name"] == "Account"


def test_audit_fields_only_with_the_setting(org):
    with pytest.raises(SalesforceMalformedRequest):
        org.sf.Account.create({"Name": "Old", "CreatedDate": "2019-05-01T10:00:00.000Z"})
    org.admin("POST", "/settings", {"audit_fields_on_create": True})
    try:
        rid = org.sf.Account.create({"Name": "Old", "CreatedDate": "2019-05-01T10:00:00.000Z"})["id"]
        assert org.sf.Account.get(rid)["CreatedDate"] == "2019-05-01T10:00:00.000+0000"
        with pytest.raises(SalesforceMalformedRequest):  # never on update
            org.sf.Account.update(rid, {"CreatedDate": "2018-01-01T00:00:00Z"})
    finally:
        org.admin("POST", "/settings", {"audit_fields_on_create": False})


def test_recycle_bin_undelete_and_master_detail_cascade(org):
    sf = org.sf
    case = sf.Case.create({"Subject": "with lines"})["id"]
    line = sf.Line_Item__c.create({"Name": "L1", "Case__c": case, "Quantity__c": 2, "Kind__c": "Labour"})[
        "id"
    ]
    sf.Case.delete(case)
    assert sf.query(f"SELECT COUNT() FROM Line_Item__c WHERE Id = '{line}'")["totalSize"] == 0
    assert (
        sf.query_all(f"SELECT Id FROM Line_Item__c WHERE Id = '{line}'", include_deleted=True)["totalSize"]
        == 1
    )
    out = org.admin("POST", "/undelete", {"ids": [case]})
    assert out == [{"id": case, "success": True, "errors": []}]
    assert sf.Line_Item__c.get(line)["Quantity__c"] == 2.0
    again = org.admin("POST", "/undelete", {"ids": [case]})
    assert again[0]["success"] is False and again[0]["errors"][0]["statusCode"] == "UNDELETE_FAILED"


def test_snapshot_changes_rollback_diff_is_empty(org):
    sf = org.sf
    keep = sf.Account.create({"Name": "Before", "Phone": "1"})["id"]
    a = org.admin("POST", "/snapshot")["snapshot_id"]
    created = sf.Account.create({"Name": "During"})["id"]
    sf.Account.update(keep, {"Phone": "2"})
    b = org.admin("POST", "/snapshot")["snapshot_id"]
    diff = org.admin("GET", f"/snapshots/{a}/diff/{b}")
    assert diff["empty"] is False
    assert diff["objects"]["Account"]["added"] == [created]
    assert diff["objects"]["Account"]["changed"] == {keep: ["Phone"]}
    sf.Account.delete(created)  # rollback: delete what was created, restore what was updated
    sf.Account.update(keep, {"Phone": "1"})
    c = org.admin("POST", "/snapshot")["snapshot_id"]
    soft = org.admin("GET", f"/snapshots/{a}/diff/{c}")
    # the soft-deleted record sits in the recycle bin: not the org it was before
    assert soft["empty"] is False and soft["objects"]["Account"]["recycle_bin_added"] == [created]
    from tests.sandbox_salesforce.helpers import run_job

    info, _ = run_job(
        org, {"object": "Account", "operation": "hardDelete", "lineEnding": "LF"}, f"Id\n{created}\n"
    )
    assert info["numberRecordsFailed"] == 0
    d = org.admin("POST", "/snapshot")["snapshot_id"]
    assert org.admin("GET", f"/snapshots/{a}/diff/{d}")["empty"] is True


def test_stats_and_reset(org):
    org.sf.Account.create({"Name": "Wiped"})
    stats = org.admin("GET", "/stats")
    assert stats["records"]["Account"]["live"] >= 1
    before = org.admin("POST", "/snapshot")["snapshot_id"]
    org.admin("POST", "/reset")
    assert org.admin("POST", "/snapshot")["snapshot_id"] != before  # ids stay unique across resets
    assert org.sf.query("SELECT COUNT() FROM Account")["totalSize"] == 0
    assert org.sf.query("SELECT COUNT() FROM Organization")["totalSize"] == 1
    assert org.sf.query("SELECT COUNT() FROM Pricebook2 WHERE IsStandard = true")["totalSize"] == 1
    with pytest.raises(SalesforceResourceNotFound):  # custom objects are gone too
        org.sf.Location__c.create({"Name": "x"})
    assert org.deploy(manifest())["success"]


def test_admin_needs_its_token(org):
    resp = org.http.post(org.endpoints["admin_url"] + "/reset", headers={"X-Admin-Token": "nope"})
    assert resp.status_code == 401
