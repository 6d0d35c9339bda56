"""Issue 19's must-show: each bad-day drill, driven through the sandbox org's admin faults (a restart
mid-files, a low daily limit, a kill then a plain load, a kill then a rollback, a delta then a full
rollback, a hung response), ends with the org identical to the expected snapshot AND the reconciliation
holding.

The expected snapshots are clean runs on the same org from a reset (module fixture ``reference``); a kill
lands at a point of ``loaders.kill.LOAD_POINTS`` drawn with a printed seed (``DP2SF_DRILL_SEED`` replays it).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import duckdb
import pytest
import requests

from loaders.kill import KILL_AT_ENV, LOAD_POINTS
from loaders.load import LoadError, run_load
from loaders.rollback import run_rollback
from sandbox.control import read_endpoints
from tests.loader.drill_kit import (
    assert_load_reconciles,
    assert_org_as,
    assert_rollback_reconciles,
    cli_reconcile,
    drill_rng,
)
from tests.loader.helpers import Admin, cli_env, fresh_workspace, org_client
from workbench.delta import run_delta

RECORDS = ["Account", "Contact", "Location__c", "Case"]  # the records the files hang on
FILES = [*RECORDS, "ContentVersion"]

# one worker runs this file (make test: --dist loadgroup): the reference runs are made once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("must_show")]


def _ledger(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def reference(built, tmp_path_factory) -> dict[str, str]:
    """Snapshot ids of clean runs from a reset org: ``empty`` (before any load), ``account`` (Account
    loaded), ``records`` (the four record objects), ``files`` (and their files) and ``full`` (every object;
    ids are given per object in load order, so this is a one-run full load's org); snapshots outlive a
    reset."""
    admin = Admin.of(built.sandbox_dir)
    ws = fresh_workspace(built, tmp_path_factory.mktemp("reference"))
    snaps = {"empty": admin.snapshot()}
    steps = (
        ("account", ["Account"]),
        ("records", RECORDS[1:]),
        ("files", ["ContentVersion"]),
        ("full", None),
    )
    for name, objects in steps:
        result = run_load(ws, objects=objects)
        assert result.status == "completed" and not result.total("failed"), (name, result.counts)
        snaps[name] = admin.snapshot()
    return snaps


def _killed_load(
    settings, seed_rng, objects: list[str] | None, among: list[str] = RECORDS
) -> tuple[str, str]:
    """``dp2sf load`` (of ``objects``, or all), ``kill -9`` at a point drawn over LOAD_POINTS and the objects
    ``among`` (first chunk); returns the killed run's id and the drill's description (seed included)."""
    seed, rng = seed_rng
    point, obj = rng.choice(LOAD_POINTS), rng.choice(among)
    what = f"seed {seed}: kill -9 at {point}:{obj}:1"
    print(what)  # noqa: T201 - the drill's draw, for a replay (DP2SF_DRILL_SEED)
    args = [arg for o in objects or [] for arg in ("--object", o)]
    proc = subprocess.run([sys.executable, "-m", "workbench", "load", *args],
                          env={**cli_env(settings), KILL_AT_ENV: f"{point}:{obj}:1"},
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)  # fmt: skip
    assert proc.returncode == -signal.SIGKILL, f"{what}: {proc.stderr.decode()[-2000:]}"
    (killed,) = _ledger(settings, "select run_id from ledger.runs")[0]
    return killed, what


def test_an_org_restart_mid_files_resumes_to_the_clean_org(reference, workspace, admin) -> None:
    first = run_load(workspace, objects=RECORDS)
    restart = threading.Timer(1.5, lambda: admin.outages(restart={"seconds": 20, "mode": "reset"}))
    restart.start()
    try:
        with pytest.raises(LoadError, match="--resume"):
            run_load(workspace, objects=["ContentVersion"], org=org_client(workspace, attempts=3))
    finally:
        restart.join()
        admin.outages(clear=True)
    resumed = run_load(workspace, resume=True, objects=["ContentVersion"])
    assert resumed.status == "completed" and not resumed.counts["ContentVersion"].get("failed")
    assert_org_as(admin, reference["files"], "restart mid-files")
    assert_load_reconciles(workspace, first.run_id, RECORDS, "restart mid-files")
    assert_load_reconciles(workspace, resumed.run_id, ["ContentVersion"], "restart mid-files")


def test_a_low_daily_limit_stops_the_files_and_a_resume_ends_as_the_clean_org(
    reference, workspace, admin
) -> None:
    first = run_load(workspace, objects=RECORDS)
    org = org_client(workspace)
    used = org.sf.limits()["DailyApiRequests"]
    admin.settings(limits={"DailyApiRequests": int((used["Max"] - used["Remaining"] + 40) / 0.9) + 1})
    try:
        stopped = run_load(workspace, objects=["ContentVersion"])
        assert stopped.status == "stopped" and "--resume" in stopped.message
    finally:
        admin.settings(limits={"DailyApiRequests": 1_000_000})
    resumed = run_load(workspace, resume=True, objects=["ContentVersion"])
    assert resumed.run_id == stopped.run_id and resumed.status == "completed"
    assert_org_as(admin, reference["files"], "low daily limit")
    assert_load_reconciles(workspace, first.run_id, RECORDS, "low daily limit")
    assert_load_reconciles(workspace, resumed.run_id, ["ContentVersion"], "low daily limit")


def test_a_hung_org_stops_clearly_and_a_resume_ends_as_the_clean_org(reference, workspace, admin) -> None:
    admin.outages(hang={"path": "/jobs/ingest", "seconds": 60, "count": 50})
    started = time.monotonic()
    try:
        with pytest.raises(LoadError, match="--resume"):
            run_load(workspace, objects=["Account"], org=org_client(workspace, attempts=2, timeout=1.0))
    finally:
        admin.outages(clear=True)
    assert time.monotonic() - started < 45  # a clear stop, not a hang
    resumed = run_load(workspace, resume=True, objects=["Account"])
    assert resumed.status == "completed"
    assert_org_as(admin, reference["account"], "hung org")
    assert_load_reconciles(workspace, resumed.run_id, ["Account"], "hung org")


def test_a_kill_then_a_plain_load_refuses_and_the_resume_ends_as_the_clean_org(
    reference, workspace, admin
) -> None:
    killed, what = _killed_load(workspace, drill_rng(), None)  # a full `dp2sf load`
    with pytest.raises(LoadError, match=f"{killed} did not finish.*--resume"):
        run_load(workspace)  # a plain load over the killed run is refused
    assert _ledger(workspace, "select count(*) from ledger.runs")[0][0] == 1, what  # and records no run
    resumed = run_load(workspace, resume=True)
    assert resumed.run_id == killed and resumed.status == "completed", what
    assert_org_as(admin, reference["full"], what)
    code, output = cli_reconcile(workspace)  # the operator's check: `dp2sf reconcile`, exit 0
    assert code == 0 and "reconciled" in output, f"{what}: {output[-3000:]}"


def test_a_kill_then_a_rollback_returns_the_org_to_its_snapshot(reference, workspace, admin) -> None:
    # killed past Account's first chunk: the run wrote records (at Account:1 it may have written none)
    killed, what = _killed_load(workspace, drill_rng(), RECORDS, among=RECORDS[1:])
    rb = run_rollback(workspace, killed, hard=True)
    # the killed run's own writes are not someone else's edits; a job the org ran after the kill is
    # settled from its results first, so its records are deleted too
    assert rb.status == "completed" and rb.conflicts == [], what
    assert not any(c.get("failed") for c in rb.counts.values()), what
    assert_org_as(admin, reference["empty"], what)
    assert_rollback_reconciles(workspace, rb.run_id, what)
    code, output = cli_reconcile(workspace)  # after a rollback, `dp2sf reconcile` reconciles the rollback
    assert code == 0 and f"rollback {rb.run_id}" in output and "reconciled" in output, f"{what}: {output}"
    with pytest.raises(LoadError, match="no unfinished load run to resume"):
        run_load(workspace, resume=True)  # nor is it continued: its records are gone, its rollback completed
    again = run_load(workspace, objects=["Account"])  # the rolled-back run no longer blocks a new one
    assert again.status == "completed"


def _change_jobs(settings, job_ids: list[int]) -> None:
    """The simulator's admin edits these jobs at the source (``modifiedOn`` moves: a delta picks them up)."""
    dp = read_endpoints(settings.sandbox_dir)["dispatch_pro"]
    s = requests.Session()
    s.trust_env = False
    r = s.post(f"{dp['admin_url']}/changes", json={"entity": "jobs", "ids": job_ids},
               headers={"X-Admin-Token": dp["admin_token"]}, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text


def test_a_delta_then_a_full_rollback_returns_the_org_to_the_pre_load_snapshot(
    reference, workspace, admin
) -> None:
    full = run_load(workspace)
    assert full.status == "completed"
    cases = _ledger(
        workspace,
        "select source_key from ledger.operations where run_id = ? and object_name = 'Case' "
        "and action = 'created' order by 1 limit 3",
        [full.run_id],
    )
    _change_jobs(workspace, [int(k.split(":")[1]) for (k,) in cases])
    time.sleep(1.1)  # LastModifiedDate has second precision: the delta's writes come after the load's
    delta = run_delta(workspace)  # the real `dp2sf delta`: incremental extract, rebuild, load
    assert delta.load.status == "completed" and delta.load.counts["Case"]["updated"] == 3
    time.sleep(1.1)
    undo_delta = run_rollback(workspace, delta.load.run_id, hard=True)
    assert undo_delta.conflicts == [] and undo_delta.counts["Case"]["restored"] == 3
    assert_rollback_reconciles(workspace, undo_delta.run_id, "rollback of the delta")
    time.sleep(1.1)
    # records the delta and its rollback wrote are our own runs' writes, not someone else's edits
    undo_full = run_rollback(workspace, full.run_id, hard=True)
    assert undo_full.conflicts == [], undo_full.conflicts[:5]
    assert not any(c.get("failed") for c in undo_full.counts.values()), undo_full.counts
    assert_org_as(admin, reference["empty"], "delta then full rollback")
    assert_rollback_reconciles(workspace, undo_full.run_id, "rollback of the full load")
