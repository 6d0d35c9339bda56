"""The loader on a bad day (issue 19): faults driven through the sandbox org's admin API, each run ending
with the org as expected and the ledger agreeing. The must-show drills (restart mid-files, low daily limit,
kill then plain load, kill then rollback, delta then full rollback, hung org), each ending on the clean run's
snapshot and the reconciliation, are in tests/loader/test_must_show.py."""

from __future__ import annotations

import subprocess
import sys
import time

import duckdb
import pytest

from loaders.load import LoadError, run_load
from loaders.reconcile import run_reconcile
from tests.loader.helpers import org_client

FILES = ["Account", "Contact", "Location__c", "Case", "ContentVersion"]


def _ledger(settings, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


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
