"""kill -9 then --resume ends where an uninterrupted run ends; rollback returns the org to its snapshot."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pytest

from loaders.kill import LOAD_POINTS
from loaders.load import KILL_AT_ENV, run_load
from loaders.reconcile_rollback import run_rollback_reconcile
from loaders.rollback import run_rollback
from reporting.frames import rollback_frames
from tests.loader.drill_kit import assert_load_reconciles, assert_rollback_reconciles
from tests.loader.helpers import Admin, cli_env, fresh_workspace, org_client

# one worker runs this file (make test: --dist loadgroup): its module fixture is built once
pytestmark = pytest.mark.xdist_group("resume_rollback")


def _org_by_key(settings) -> dict[str, dict]:
    """Every loaded record by external id: Id and the loaded fields (what the two runs must agree on)."""
    org = org_client(settings)
    out = {}
    for obj, fields in {
        "Account": "Name, Phone",
        "Contact": "LastName, Account.Dispatch_Pro_Id__c",
        "Case": "Subject, Status, OwnerId, Account.Dispatch_Pro_Id__c",
        "Event": "Subject, WhatId, OwnerId",
        "Line_Item__c": "Total__c, Case__r.Dispatch_Pro_Id__c",
    }.items():
        for rec in org.query_iter(f"SELECT Id, Dispatch_Pro_Id__c, {fields} FROM {obj}"):
            rec.pop("attributes", None)
            out[f"{obj}/{rec['Dispatch_Pro_Id__c']}"] = rec
    return out


@pytest.fixture(scope="module")
def uninterrupted(built, tmp_path_factory) -> dict:
    """The reference: an uninterrupted run's counts, org state and snapshot (chunks of 100 rows)."""
    admin = Admin.of(built.sandbox_dir)
    clean = fresh_workspace(
        built.model_copy(update={"load_chunk_rows": 100}), tmp_path_factory.mktemp("clean")
    )
    # snapshot ids restart at every reset: take one first, so the reference is not the id the killed
    # run's org takes after its own reset (which would overwrite it and compare a snapshot with itself)
    admin.snapshot()
    reference = run_load(clean)
    assert reference.status == "completed"
    assert reference.counts["Case"]["created"] > 100  # Case spans several chunks: chunk 2 exists
    return {"counts": reference.counts, "state": _org_by_key(clean), "snapshot": admin.snapshot()}


# where the kill lands in the life of Case's second chunk: every point loaders.kill declares (after its
# pending rows and checkpoint, after the job is created, after the upload, after the close, and inside the
# transaction settling its results), each once
@pytest.mark.slow
@pytest.mark.parametrize("point", LOAD_POINTS)
def test_kill_9_mid_load_then_resume_ends_identical_to_an_uninterrupted_run(
    built, admin, uninterrupted, tmp_path, point
) -> None:
    ws = fresh_workspace(built.model_copy(update={"load_chunk_rows": 100}), tmp_path / "killed")
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "load"],
        env={**cli_env(ws), KILL_AT_ENV: f"{point}:Case:2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]  # killed at the chosen point
    con = duckdb.connect(str(ws.duckdb_path))
    try:
        status = con.execute("select status from ledger.runs").fetchall()
        open_jobs = con.execute(
            "select count(*) from ledger.checkpoints where state = 'sending' and object_name = 'Case'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert status == [("running",)]  # killed mid-run: nothing marked it finished
    assert open_jobs == 1  # chunk 2 of Case is in flight (inside 'settling' nothing of it was committed)

    resumed = run_load(ws, resume=True)
    assert resumed.status == "completed"
    assert resumed.counts == uninterrupted["counts"]  # the same outcome per object and action, nothing twice
    con = duckdb.connect(str(ws.duckdb_path), read_only=True)
    try:
        twice = con.execute(
            "select count(*) from (select object_name, source_key, pass from ledger.operations "
            "group by all having count(*) > 1)"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert twice == 0  # one ledger row per record and pass
    # the killed attempt's spool directory and the run's work tables are gone
    assert not list(Path(tempfile.gettempdir()).glob(f"dp2sf-load-{resumed.run_id}-*"))
    con = duckdb.connect(str(ws.duckdb_path), read_only=True)
    try:
        work = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'ledger' "
            "and table_name like 'work%'"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert work == 0
    assert _org_by_key(ws) == uninterrupted["state"]
    # the admin snapshot compare: the same records with the same ids and values; only the creation time
    # and the closing time the org stamps differ (the two runs ran at different times)
    diff = admin.diff(uninterrupted["snapshot"], admin.snapshot())
    assert not diff["files_changed"]
    for obj, change in diff["objects"].items():
        assert change["added"] == [] and change["removed"] == [], obj
        assert {f for fields in change["changed"].values() for f in fields} <= {
            "CreatedDate",
            "ClosedDate",
        }, obj
    assert_load_reconciles(ws, resumed.run_id, context=f"killed at {point}:Case:2")


def test_rollback_returns_the_org_to_its_snapshot_and_is_idempotent(workspace, admin) -> None:
    before = admin.snapshot()
    load = run_load(workspace)
    rb = run_rollback(workspace, load.run_id)
    assert rb.status == "completed" and rb.conflicts == []
    assert sum(c.get("deleted", 0) for c in rb.counts.values()) == load.total("created")
    assert not any(c.get("failed") for c in rb.counts.values())
    assert_rollback_reconciles(workspace, rb.run_id)
    diff = admin.diff(before, admin.snapshot())
    # the live org is as before; a soft delete leaves what the run created in the recycle bin (undeletable),
    # and nothing else: a rollback with hard=True (below) leaves no trace at all
    for obj, change in diff["objects"].items():
        assert change["added"] == change["removed"] == change["recycle_bin_removed"] == [], obj
        assert change["changed"] == {}, obj
    stats = admin.stats()["records"]
    assert stats["Case"]["live"] == 0 and stats["Case"]["deleted"] == load.counts["Case"]["created"]
    again = run_rollback(workspace, load.run_id)  # idempotent: already deleted counts as deleted
    assert not any(c.get("failed") for c in again.counts.values())
    assert admin.diff(before, admin.snapshot())["objects"] == diff["objects"]  # nothing more changed
    assert stats["ContentDocument"]["deleted"] == load.counts["ContentVersion"]["created"] > 0
    frames = rollback_frames(rb, workspace.duckdb_path)  # the notebook's view of the same rollback
    deleted = frames.summary[frames.summary["action"] == "deleted"]
    assert deleted["records"].sum() == load.total("created") and frames.conflicts.empty
    assert len(frames.operations) == sum(sum(c.values()) for c in rb.counts.values())


def test_hard_rollback_returns_the_org_to_its_snapshot_recycle_bin_included(workspace, admin) -> None:
    before = admin.snapshot()
    load = run_load(workspace)
    rb = run_rollback(workspace, load.run_id, hard=True)
    assert rb.status == "completed" and not any(c.get("failed") for c in rb.counts.values())
    assert sum(c.get("deleted", 0) for c in rb.counts.values()) == load.total("created")
    diff = admin.diff(before, admin.snapshot())
    assert diff["objects"] == {}, {k: {f: v for f, v in c.items() if v} for k, c in diff["objects"].items()}


def test_rollback_restores_updates_and_leaves_records_edited_since(workspace, admin) -> None:
    first = run_load(workspace, objects=["Account", "Skill__c"])
    org = org_client(workspace)
    acc_key = "customer:10000005"
    acc = next(org.query_iter(f"SELECT Id, Name FROM Account WHERE Dispatch_Pro_Id__c = '{acc_key}'"))
    org.sf.Account.update(acc["Id"], {"Name": "Renamed before the second run"})
    snap = admin.snapshot()
    second = run_load(workspace, objects=["Account", "Skill__c"], resend=True)
    assert second.counts["Account"]["updated"] > 0 and first.status == "completed"
    time.sleep(1.1)  # LastModifiedDate has second precision
    skill = next(
        org.query_iter("SELECT Id, Dispatch_Pro_Id__c FROM Skill__c ORDER BY Dispatch_Pro_Id__c LIMIT 1")
    )
    org.sf.Skill__c.update(skill["Id"], {"Name": "Edited in the org after the run"})

    rb = run_rollback(workspace, second.run_id)
    assert [c["source_key"] for c in rb.conflicts] == [skill["Dispatch_Pro_Id__c"]]
    frames = rollback_frames(rb.report_path)
    assert frames.conflicts["source_key"].tolist() == [skill["Dispatch_Pro_Id__c"]]
    assert rb.counts["Account"]["restored"] == second.counts["Account"]["updated"]
    restored = next(org.query_iter(f"SELECT Name FROM Account WHERE Dispatch_Pro_Id__c = '{acc_key}'"))
    assert restored["Name"] == "Renamed before the second run"  # the before-image, not the source value
    kept = next(org.query_iter(f"SELECT Name FROM Skill__c WHERE Id = '{skill['Id']}'"))
    assert kept["Name"] == "Edited in the org after the run"
    diff = admin.diff(snap, admin.snapshot())
    assert list(diff["objects"]) == ["Skill__c"] and list(diff["objects"]["Skill__c"]["changed"]) == [
        skill["Id"]
    ]
    # the rollback's reconciliation holds with the edited record counted as left alone
    checks = {o.name: o for o in run_rollback_reconcile(workspace, rb.run_id).objects}
    assert all(o.ok for o in checks.values()), [o.problems() for o in checks.values() if not o.ok]
    assert (
        checks["Skill__c"].left_alone == 1
        and checks["Account"].restored == second.counts["Account"]["updated"]
    )


def _rollback_killed(settings, run_id: str, point: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "rollback", run_id],
        env={**cli_env(settings), KILL_AT_ENV: point},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]  # killed at the chosen point


def test_rollback_killed_after_a_delete_job_resumes_to_the_snapshot(workspace, admin) -> None:
    before = admin.snapshot()
    load = run_load(workspace)
    # kill -9 once the org deleted the first job of Cases but before the ledger recorded it
    _rollback_killed(workspace, load.run_id, "rollback-deleted:Case:1")
    rb = run_rollback(workspace, load.run_id, resume=True)
    assert rb.status == "completed" and rb.conflicts == []
    assert sum(c.get("deleted", 0) for c in rb.counts.values()) == load.total("created")
    assert not any(c.get("failed") for c in rb.counts.values())
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        runs = con.execute(
            "select count(*) from ledger.runs where kind = 'rollback' and parent_run_id = ?", [load.run_id]
        ).fetchall()[0][0]
    finally:
        con.close()
    assert runs == 1  # the resume continued the killed rollback run, not a new one
    assert_rollback_reconciles(workspace, rb.run_id, "killed at rollback-deleted:Case:1")
    diff = admin.diff(before, admin.snapshot())
    for obj, change in diff["objects"].items():  # the live org as before (the run's records in the bin)
        assert change["added"] == change["removed"] == change["recycle_bin_removed"] == [], obj
        assert change["changed"] == {}, obj


def test_rollback_killed_after_a_restore_job_resumes_without_false_conflicts(workspace, admin) -> None:
    run_load(workspace, objects=["Account", "Skill__c"])
    org = org_client(workspace)
    acc_key = "customer:10000005"
    acc = next(org.query_iter(f"SELECT Id FROM Account WHERE Dispatch_Pro_Id__c = '{acc_key}'"))
    org.sf.Account.update(acc["Id"], {"Name": "Renamed before the second run"})
    snap = admin.snapshot()
    second = run_load(workspace, objects=["Account", "Skill__c"], resend=True)
    time.sleep(1.1)  # LastModifiedDate has second precision: the restore lands after the run's end
    _rollback_killed(workspace, second.run_id, "rollback-restored:Account:1")
    rb = run_rollback(workspace, second.run_id, resume=True)
    # the killed attempt's own restores are not someone else's edits
    assert rb.status == "completed" and rb.conflicts == []
    assert_rollback_reconciles(workspace, rb.run_id, "killed at rollback-restored:Account:1")
    assert rb.counts["Account"]["restored"] == second.counts["Account"]["updated"]
    restored = next(org.query_iter(f"SELECT Name FROM Account WHERE Dispatch_Pro_Id__c = '{acc_key}'"))
    assert restored["Name"] == "Renamed before the second run"
    diff = admin.diff(snap, admin.snapshot())
    for obj, change in diff["objects"].items():  # every overwritten field back (only modstamps moved)
        fields = {f for fs in change["changed"].values() for f in fs}
        assert fields <= {"LastModifiedDate", "SystemModstamp"}, (obj, fields)
        assert change["added"] == change["removed"] == [], obj
