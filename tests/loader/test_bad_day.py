"""The loader on a bad day (issue 19): faults driven through the sandbox org's admin API, each run ending
with the org as expected and the ledger agreeing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import duckdb
import pytest

from loaders.load import KILL_AT_ENV, LoadError, run_load
from loaders.reconcile import run_reconcile
from loaders.rollback import run_rollback
from tests.loader.helpers import org_client
from tests.loader.test_resume_rollback import _env

FILES = ["Account", "Contact", "Location__c", "Case", "ContentVersion"]


def _ledger(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _live_diff(admin, before: str) -> dict:
    """The org's objects whose live records differ from the snapshot ``before`` (added, removed, changed)."""
    diff = admin.diff(before, admin.snapshot())
    return {
        obj: {k: v for k, v in change.items() if k in ("added", "removed", "changed") and v}
        for obj, change in diff["objects"].items()
        if any(change.get(k) for k in ("added", "removed", "changed"))
    }


def test_an_unknown_object_is_a_clear_error_and_records_no_run(workspace) -> None:
    with pytest.raises(LoadError, match="Acount: not an object of the load plan"):
        run_load(workspace, objects=["Acount"])
    assert _ledger(workspace, "select count(*) from ledger.runs")[0][0] == 0


def test_task_who_and_what_reach_the_org(workspace) -> None:
    result = run_load(workspace, objects=["Account", "Contact", "Location__c", "Case", "Task"])
    assert result.status == "completed"
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        who, what_case, what_account = con.execute(
            "select count(*) filter (where _who_contact_key is not null), "
            "count(*) filter (where _what_case_key is not null), "
            "count(*) filter (where _what_case_key is null and _what_account_key is not null) "
            'from salesforce."Task"'
        ).fetchall()[0]
    finally:
        con.close()
    assert who > 0 and what_account > 0
    tasks = list(org_client(workspace).query_iter("SELECT Dispatch_Pro_Id__c, WhoId, WhatId FROM Task"))
    assert sum(1 for t in tasks if t["WhoId"]) == who
    assert sum(1 for t in tasks if t["WhatId"] and t["WhatId"].startswith("500")) == what_case
    assert sum(1 for t in tasks if t["WhatId"] and t["WhatId"].startswith("001")) == what_account


@pytest.mark.slow
def test_a_kill_then_a_plain_load_refuses_and_a_rollback_restores_the_org(workspace, admin) -> None:
    before = admin.snapshot()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "load",
            "--object",
            "Account",
            "--object",
            "Contact",
            "--object",
            "Location__c",
            "--object",
            "Case",
        ],
        env={**_env(workspace), KILL_AT_ENV: "closed:Case:1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    killed = _ledger(workspace, "select run_id from ledger.runs")[0][0]
    with pytest.raises(LoadError, match=f"{killed} did not finish.*--resume"):
        run_load(workspace, objects=["Account"])
    rb = run_rollback(workspace, killed, hard=True)
    # the killed run's own writes are not someone else's edits; the Case job the org ran after the kill
    # is settled from its results first, so its records are deleted too
    assert rb.status == "completed" and rb.conflicts == []
    assert not any(c.get("failed") for c in rb.counts.values())
    assert rb.counts["Case"]["deleted"] > 0
    assert _live_diff(admin, before) == {}
    again = run_load(workspace, objects=["Account"])  # the rolled-back run no longer blocks a new one
    assert again.status == "completed"


@pytest.mark.slow
def test_a_second_run_then_a_full_rollback_restores_the_pre_load_org(workspace, admin) -> None:
    objects = ["Account", "Skill__c"]
    before = admin.snapshot()
    full = run_load(workspace, objects=objects)
    time.sleep(1.1)
    delta = run_load(workspace, objects=objects, resend=True, kind="delta")  # our own later writes
    assert delta.counts["Account"]["updated"] > 0
    time.sleep(1.1)
    rb = run_rollback(workspace, full.run_id, hard=True)
    assert rb.conflicts == [] and not any(c.get("failed") for c in rb.counts.values())
    assert rb.counts["Account"]["deleted"] == full.counts["Account"]["created"]
    assert _live_diff(admin, before) == {}


def test_one_503_on_a_file_read_back_is_retried(workspace, admin) -> None:
    admin.outages(fail={"path": "/ContentVersion/[^/]+/VersionData", "status": 503, "count": 1})
    try:
        result = run_load(workspace, objects=FILES)
    finally:
        admin.outages(clear=True)
    assert result.status == "completed"
    assert not result.counts["ContentVersion"].get("failed")


@pytest.mark.slow
def test_files_failing_transiently_stay_pending_and_resume(workspace, admin) -> None:
    run_load(workspace, objects=FILES[:-1])
    # every file upload answered 503 for longer than the retries last: the run breaks off, nothing failed
    admin.outages(fail={"path": "sobjects/ContentVersion/?$", "status": 503, "method": "POST", "count": 50})
    try:
        with pytest.raises(LoadError, match="--resume"):
            run_load(workspace, objects=["ContentVersion"], org=org_client(workspace, attempts=3))
    finally:
        admin.outages(clear=True)
    failed = _ledger(
        workspace,
        "select count(*) from ledger.operations where object_name = 'ContentVersion' and action = 'failed'",
    )[0][0]
    assert failed == 0  # a transient failure is not a data error
    resumed = run_load(workspace, resume=True, objects=["ContentVersion"])
    assert resumed.status == "completed" and not resumed.counts["ContentVersion"].get("failed")
    files = next(
        o for o in run_reconcile(workspace, run_id=resumed.run_id).objects if o.name == "ContentVersion"
    )
    assert files.ok, files.problems()  # every source file accounted for, in the org and linked to its Case
    docs = list(org_client(workspace).query_iter("SELECT Id FROM ContentVersion WHERE IsLatest = true"))
    assert len(docs) == resumed.counts["ContentVersion"]["created"] == files.loaded > 100


@pytest.mark.slow
def test_the_stop_line_holds_for_files(workspace, admin) -> None:
    run_load(workspace, objects=FILES[:-1])
    org = org_client(workspace)
    used = org.sf.limits()["DailyApiRequests"]
    used_now = used["Max"] - used["Remaining"]
    admin.settings(limits={"DailyApiRequests": int((used_now + 40) / 0.9) + 1})
    try:
        stopped = run_load(workspace, objects=["ContentVersion"])
        assert stopped.status == "stopped" and "--resume" in stopped.message
        after = org.sf.limits()["DailyApiRequests"]
        assert after["Max"] - after["Remaining"] <= 0.9 * after["Max"] + 5  # at most a call or two past
    finally:
        admin.settings(limits={"DailyApiRequests": 1_000_000})
    assert not stopped.counts.get("ContentVersion", {}).get("failed")
    resumed = run_load(workspace, resume=True, objects=["ContentVersion"])
    assert resumed.status == "completed" and not resumed.counts["ContentVersion"].get("failed")


def test_a_hung_org_times_out_stops_clearly_and_resumes(workspace, admin) -> None:
    admin.outages(hang={"path": "/jobs/ingest", "seconds": 60, "count": 50})
    started = time.monotonic()
    try:
        with pytest.raises(LoadError, match="--resume"):
            run_load(workspace, objects=["Account"], org=org_client(workspace, attempts=2, timeout=1.0))
    finally:
        admin.outages(clear=True)
    assert time.monotonic() - started < 45  # a clear stop, not a hang
    resumed = run_load(workspace, resume=True, objects=["Account"])
    assert resumed.status == "completed" and not resumed.counts["Account"].get("failed")


def test_cli_rollback_exit_code_and_one_line_when_the_org_is_down_or_the_token_wrong(
    workspace, admin, monkeypatch, tmp_path
) -> None:
    import json

    from typer.testing import CliRunner

    from workbench.cli import app

    for name in ("sandbox_dir", "data_dir", "reports_dir", "build_dir"):
        monkeypatch.setenv(f"DP2SF_{name.upper()}", str(getattr(workspace, name)))
    runner = CliRunner()
    assert runner.invoke(app, ["load", "--object", "Bogus"]).exit_code == 1  # a clear error, no run
    loaded = runner.invoke(app, ["load", "--object", "Account", "--object", "Skill__c"])
    assert loaded.exit_code == 0, loaded.output
    run_id = _ledger(workspace, "select run_id from ledger.runs")[0][0]
    time.sleep(1.1)  # LastModifiedDate: an edit after the run's last write of the record
    org = org_client(workspace)
    skill = next(org.query_iter("SELECT Id FROM Skill__c ORDER BY Dispatch_Pro_Id__c LIMIT 1"))
    org.sf.Skill__c.update(skill["Id"], {"Name": "Edited in the org after the run"})

    def cli(args: list[str]) -> tuple[int, str]:  # the real entry point, as a user meets it
        done = subprocess.run([sys.executable, "-m", "workbench", *args], capture_output=True, text=True,
                              timeout=300, check=False)  # fmt: skip
        return done.returncode, done.stdout + done.stderr

    admin.outages(restart={"seconds": 30, "mode": "reset"})
    try:
        for args in (["reconcile"], ["rollback", run_id]):  # checked before any change: exit 4, one line
            code, output = cli(args)
            assert code == 4 and "Traceback" not in output, output
            assert "the org did not answer" in output, output
    finally:
        admin.outages(clear=True)

    wrong = tmp_path / "wrong-token"
    wrong.mkdir()
    endpoints = json.loads((workspace.sandbox_dir / "endpoints.json").read_text())
    endpoints["salesforce"]["access_token"] = "00Dwrong!token"
    (wrong / "endpoints.json").write_text(json.dumps(endpoints))
    monkeypatch.setenv("DP2SF_SANDBOX_DIR", str(wrong))
    for args in (["reconcile"], ["rollback", run_id]):
        code, output = cli(args)
        assert code == 4 and "Traceback" not in output, output
        assert "token is wrong or expired" in output, output
    monkeypatch.setenv("DP2SF_SANDBOX_DIR", str(workspace.sandbox_dir))

    rolled = runner.invoke(app, ["rollback", run_id])
    assert rolled.exit_code == 5, rolled.output  # finished, but one record changed since was left alone
    assert "left alone" in rolled.output


@pytest.mark.slow
def test_an_org_restart_mid_files_is_resumed_and_reconciles(workspace, admin) -> None:
    import threading

    run_load(workspace, objects=FILES[:-1])
    restart = threading.Timer(1.5, lambda: admin.outages(restart={"seconds": 20, "mode": "reset"}))
    restart.start()
    try:
        with pytest.raises(LoadError, match="--resume"):
            run_load(workspace, objects=["ContentVersion"], org=org_client(workspace, attempts=3))
    finally:
        restart.join()
        admin.outages(clear=True)
    assert not _ledger(
        workspace,
        "select count(*) from ledger.operations where object_name = 'ContentVersion' and action = 'failed'",
    )[0][0]
    resumed = run_load(workspace, resume=True, objects=["ContentVersion"])
    assert resumed.status == "completed" and not resumed.counts["ContentVersion"].get("failed")
    rec = run_reconcile(workspace, run_id=resumed.run_id)
    files = next(o for o in rec.objects if o.name == "ContentVersion")
    assert files.ok, files.problems()
    assert files.loaded == files.source - files.quarantined - files.gates - files.skipped
