"""The rollback's conflict check reads the org's ``LastModifiedDate`` on the org's clock: an org whose clock
differs from ours (a laptop's drifts; a VM's may be minutes off) neither leaves our own writes alone as
"edited since" nor overwrites a person's edit it mistook for ours. Each run notes the difference it saw in
the responses' ``Date`` headers (``ledger.runs.org_clock_skew``)."""

from __future__ import annotations

import time

import duckdb
import pytest

from loaders.load import run_load
from loaders.rollback import run_rollback
from tests.loader.helpers import org_client

OBJECTS = ["Account", "Skill__c"]


def _noted_skew(settings, run_id: str) -> float:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute("select org_clock_skew from ledger.runs where run_id = ?", [run_id]).fetchone()[0]
    finally:
        con.close()


def test_an_org_clock_ahead_of_ours_does_not_make_our_writes_look_edited(workspace, admin) -> None:
    admin.clock(600)  # the org ten minutes ahead: every record we write is stamped "after" our ledger's time
    before = admin.snapshot()
    load = run_load(workspace, objects=OBJECTS)
    assert load.total("created") > 0
    assert _noted_skew(workspace, load.run_id) == pytest.approx(600, abs=2)
    rb = run_rollback(workspace, load.run_id)
    assert rb.conflicts == [] and rb.status == "completed"
    assert sum(c.get("deleted", 0) for c in rb.counts.values()) == load.total("created")
    diff = admin.diff(before, admin.snapshot())
    for obj, change in diff["objects"].items():
        assert change["added"] == change["removed"] == [] and change["changed"] == {}, obj


def test_an_org_clock_behind_ours_still_shows_a_persons_edit(workspace, admin) -> None:
    admin.clock(-600)  # the org ten minutes behind: a person's edit is stamped "before" our ledger's time
    load = run_load(workspace, objects=OBJECTS)
    assert _noted_skew(workspace, load.run_id) == pytest.approx(-600, abs=2)
    org = org_client(workspace)
    time.sleep(1.1)  # the Date header and LastModifiedDate have second precision
    skill = next(
        org.query_iter("SELECT Id, Dispatch_Pro_Id__c FROM Skill__c ORDER BY Dispatch_Pro_Id__c LIMIT 1")
    )
    org.sf.Skill__c.update(skill["Id"], {"Name": "Edited in the org after the run"})
    rb = run_rollback(workspace, load.run_id)
    assert [c["source_key"] for c in rb.conflicts] == [skill["Dispatch_Pro_Id__c"]]
    kept = next(org.query_iter(f"SELECT Name FROM Skill__c WHERE Id = '{skill['Id']}'"))
    assert kept["Name"] == "Edited in the org after the run"  # left alone, not deleted
    assert rb.counts["Skill__c"]["deleted"] == load.counts["Skill__c"]["created"] - 1
