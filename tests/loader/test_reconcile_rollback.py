"""``dp2sf reconcile`` of a rollback run: it holds after a rollback, and fails, naming the record, when the
org disagrees (a restored field changed again, a deleted record brought back)."""

from __future__ import annotations

from loaders.load import run_load
from loaders.reconcile_rollback import run_rollback_reconcile
from loaders.rollback import run_rollback
from tests.loader.helpers import org_client

ACC = "customer:10000005"


def _checks(settings, run_id: str) -> dict:
    return {o.name: o for o in run_rollback_reconcile(settings, run_id).objects}


def test_the_rollback_reconciliation_holds_and_sees_what_the_org_undid(workspace, admin) -> None:
    objects = ["Account", "Skill__c"]
    first = run_load(workspace, objects=objects)
    org = org_client(workspace)
    acc = next(org.query_iter(f"SELECT Id FROM Account WHERE Dispatch_Pro_Id__c = '{ACC}'"))
    org.sf.Account.update(acc["Id"], {"Name": "Renamed before the second run"})
    second = run_load(workspace, objects=objects, resend=True)
    undo_second = run_rollback(workspace, second.run_id)
    checks = _checks(workspace, undo_second.run_id)
    assert all(o.ok for o in checks.values()), [o.problems() for o in checks.values() if not o.ok]
    assert checks["Account"].written == checks["Account"].restored == second.counts["Account"]["updated"]

    org.sf.Account.update(acc["Id"], {"Name": "Changed after the rollback"})  # the restore undone in the org
    account = _checks(workspace, undo_second.run_id)["Account"]
    assert not account.ok and [(m["key"], m["field"]) for m in account.not_restored] == [(ACC, "Name")]

    skill = next(
        org.query_iter("SELECT Id, Dispatch_Pro_Id__c FROM Skill__c ORDER BY Dispatch_Pro_Id__c LIMIT 1")
    )
    undo_first = run_rollback(workspace, first.run_id, force=True)  # soft: the records go to the recycle bin
    checks = _checks(workspace, undo_first.run_id)
    assert all(o.ok for o in checks.values()), [o.problems() for o in checks.values() if not o.ok]
    assert checks["Skill__c"].deleted == first.counts["Skill__c"]["created"] > 0
    admin._call("POST", "/undelete", {"ids": [skill["Id"]]})  # someone brings one back
    skills = _checks(workspace, undo_first.run_id)["Skill__c"]
    assert not skills.ok and skills.still_in_org == [skill["Dispatch_Pro_Id__c"]]
