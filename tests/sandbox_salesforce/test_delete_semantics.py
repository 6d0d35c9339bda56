"""Deletes follow the describe the org publishes (issue 8, item 2), over HTTPS as a loader and a rollback
use it: cascadeDelete children go to the recycle bin with the parent, restrictedDelete refuses the delete,
any other lookup is cleared (deleteConstraint SetNull), and undelete restores what the delete took."""

from __future__ import annotations

import itertools

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

_n = itertools.count(1)


def _acct(org, name: str = "Acct") -> str:
    return org.sf.Account.create({"Name": f"{name} {next(_n)}"})["id"]


def _undelete(org, ids: list[str]) -> list[dict]:
    return org.admin("POST", "/undelete", {"ids": ids})


def _deleted(org, obj: str, rid: str) -> bool:
    rows = org.sf.query_all(f"SELECT Id, IsDeleted FROM {obj} WHERE Id = '{rid}'", include_deleted=True)
    assert rows["totalSize"] == 1, rows
    return rows["records"][0]["IsDeleted"]


def test_account_delete_cascades_to_contacts_and_undelete_restores(org):
    account = _acct(org)
    contacts = [org.sf.Contact.create({"LastName": f"C{i}", "AccountId": account})["id"] for i in range(2)]
    org.sf.Account.delete(account)
    for cid in contacts:
        with pytest.raises(SalesforceResourceNotFound):
            org.sf.Contact.get(cid)
        assert _deleted(org, "Contact", cid)
    # a contact deleted with its account cannot be undeleted on its own
    alone = _undelete(org, [contacts[0]])
    assert alone[0]["success"] is False and alone[0]["errors"][0]["statusCode"] == "UNDELETE_FAILED"
    assert _undelete(org, [account])[0]["success"] is True
    assert [org.sf.Contact.get(c)["AccountId"] for c in contacts] == [account, account]


def test_account_with_cases_cannot_be_deleted(org):
    account = _acct(org)
    case = org.sf.Case.create({"Subject": "Leak", "AccountId": account})["id"]
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Account.delete(account)
    err = exc.value.content[0]
    assert err["errorCode"] == "DELETE_FAILED"
    assert "could not be completed because it is associated with the following cases" in err["message"]
    assert org.sf.Account.get(account)["Id"] == account and org.sf.Case.get(case)["AccountId"] == account
    # children first, then the parent: the order a rollback uses
    org.sf.Case.delete(case)
    org.sf.Account.delete(account)
    assert _deleted(org, "Account", account)


def test_restricted_grandchild_blocks_a_cascade(org):
    """Account -> Contacts cascades, Contact -> Cases is restricted: the account delete is refused."""
    account = _acct(org)
    contact = org.sf.Contact.create({"LastName": "Held", "AccountId": account})["id"]
    org.sf.Case.create({"Subject": "Open", "ContactId": contact})
    with pytest.raises(SalesforceMalformedRequest) as exc:
        org.sf.Account.delete(account)
    assert exc.value.content[0]["errorCode"] == "DELETE_FAILED"
    assert org.sf.Contact.get(contact)["AccountId"] == account


def test_set_null_lookup_is_cleared_and_undelete_puts_it_back(org):
    location = org.sf.Location__c.create({"Name": "Depot"})["id"]
    case = org.sf.Case.create({"Subject": "Visit", "Location__c": location})["id"]
    org.sf.Location__c.delete(location)
    assert org.sf.Case.get(case)["Location__c"] is None
    assert _undelete(org, [location])[0]["success"] is True
    assert org.sf.Case.get(case)["Location__c"] == location


def test_master_detail_cascades_with_bulk_delete_and_counts(org):
    from tests.sandbox_salesforce.helpers import run_job

    case = org.sf.Case.create({"Subject": "Job"})["id"]
    items = [
        org.sf.Line_Item__c.create({"Name": f"L{i}", "Case__c": case, "Quantity__c": 1})["id"]
        for i in range(3)
    ]
    info, res = run_job(org, {"object": "Case", "operation": "delete", "lineEnding": "LF"}, f"Id\n{case}\n")
    assert info["state"] == "JobComplete" and info["numberRecordsProcessed"] == 1
    assert [r["sf__Id"] for r in res["successfulResults"]] == [case]
    assert all(_deleted(org, "Line_Item__c", i) for i in items)
    assert _undelete(org, [case])[0]["success"] is True
    assert not any(_deleted(org, "Line_Item__c", i) for i in items)


def test_bulk_delete_of_restricted_parent_fails_the_row(org):
    from tests.sandbox_salesforce.helpers import run_job

    account = _acct(org)
    org.sf.Case.create({"Subject": "Blocks", "AccountId": account})
    free = _acct(org)
    info, res = run_job(
        org, {"object": "Account", "operation": "delete", "lineEnding": "LF"}, f"Id\n{account}\n{free}\n"
    )
    assert info["numberRecordsFailed"] == 1
    failed = res["failedResults"][0]
    assert failed["sf__Id"] == account and failed["sf__Error"].startswith("DELETE_FAILED:")
    assert [r["sf__Id"] for r in res["successfulResults"]] == [free]
