"""Source records that became inactive follow the configured policy in a delta: ``flag`` sends the row (the
org's Active checkbox turns false), ``leave`` skips it with the reason, ``delete`` deletes the record (a
refused delete is recorded with Salesforce's error). Each is reported per object."""

from __future__ import annotations

import duckdb

from loaders.load import run_load
from tests.loader.helpers import org_client
from workbench.delta import run_delta

OBJECTS = ["Account", "Contact", "Location__c", "Case"]


def _deactivate(settings, keys: list[str], obj: str = "Account") -> None:
    con = duckdb.connect(str(settings.duckdb_path))
    try:
        con.execute(
            f'update salesforce."{obj}" set "Dispatch_Pro_Active__c" = false '
            'where "Dispatch_Pro_Id__c" in (select unnest(?))',
            [keys],
        )
    finally:
        con.close()


def _ops(settings, run_id: str, obj: str = "Account") -> dict[str, tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        rows = con.execute(
            "select source_key, action, error_code, error_message from ledger.operations "
            "where run_id = ? and object_name = ?",
            [run_id, obj],
        ).fetchall()
    finally:
        con.close()
    return {r[0]: r[1:] for r in rows}


def _org_accounts(settings, obj: str = "Account") -> dict[str, bool]:
    org = org_client(settings)
    return {
        r["Dispatch_Pro_Id__c"]: r["Dispatch_Pro_Active__c"]
        for r in org.query_iter(f"SELECT Dispatch_Pro_Id__c, Dispatch_Pro_Active__c FROM {obj}")
        if r["Dispatch_Pro_Id__c"]
    }


def _delta(settings, policy: str):
    return run_delta(
        settings.model_copy(update={"delta_inactive_policy": policy}), extract=False, transform=False
    ).load


def test_inactive_policies_leave_flag_and_delete(workspace) -> None:
    full = run_load(workspace, objects=OBJECTS)
    assert full.status == "completed"
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        accounts, locations = (
            [
                r[0]
                for r in con.execute(
                    f'select "Dispatch_Pro_Id__c" from salesforce."{obj}" where "Dispatch_Pro_Active__c" '
                    "order by 1"
                ).fetchall()
            ]
            for obj in ("Account", "Location__c")
        )
    finally:
        con.close()
    assert len(accounts) >= 3 and locations
    # every Account of the tiny tier has Cases (an Account with Cases cannot be deleted: restricted); a
    # Location can (its Cases' lookup is cleared: SetNull)
    left, flagged, refused, deleted = accounts[0], accounts[1], accounts[2], locations[0]

    # leave: the record stays active in the org, skipped with the reason
    _deactivate(workspace, [left])
    leave = _delta(workspace, "leave")
    assert {k: n for k, n in leave.inactive.items() if n} == {"Account": 1}
    assert _ops(workspace, leave.run_id)[left][:2] == ("skipped", "INACTIVE_LEFT")
    assert leave.sent.get("Account", 0) == 0
    assert _org_accounts(workspace)[left] is True

    # flag: the row goes out; the org's checkbox turns false (the one left before is flagged now too)
    _deactivate(workspace, [flagged])
    flag = _delta(workspace, "flag")
    ops = _ops(workspace, flag.run_id)
    assert ops[flagged][0] == "updated" and ops[left][0] == "updated"
    org = _org_accounts(workspace)
    assert org[flagged] is False and org[left] is False

    # delete: a Location is deleted; an Account with Cases is refused by the org (restricted delete)
    _deactivate(workspace, [refused])
    _deactivate(workspace, [deleted], "Location__c")
    delete = _delta(workspace, "delete")
    assert {k: n for k, n in delete.inactive.items() if n} == {"Account": 1, "Location__c": 1}
    assert _ops(workspace, delete.run_id, "Location__c")[deleted][0] == "deleted"
    code = _ops(workspace, delete.run_id)[refused][:2]
    assert code == ("failed", "DELETE_FAILED")  # Salesforce's error, recorded
    assert deleted not in _org_accounts(workspace, "Location__c")
    assert _org_accounts(workspace)[refused] is True
    assert delete.sent.get("Account", 0) == 0 and delete.sent.get("Location__c", 0) == 0  # not also sent
