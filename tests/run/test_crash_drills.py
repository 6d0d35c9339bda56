"""Crash drills through the real ``dp2sf`` entry point: ``kill -9`` at a random moment of a stage, then the
same command again (or ``--resume``); the outcome is the clean run's. Also the org down mid-job.

The moment is drawn uniformly over the clean run's duration (measured in the same test session), so a drill
lands in any phase the stage has, not only at the chosen points of ``tests/loader/test_resume_rollback.py``.
The seed of each draw is in the test's failure message: ``DP2SF_DRILL_SEED=<n>`` replays it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import requests

from core.settings import Settings
from dlt_pipelines.pipeline import raw_row_counts
from loaders.reconcile import run_reconcile
from sandbox.control import read_endpoints
from tests.loader.drill_kit import cli_reconcile, drill_rng
from tests.loader.helpers import cli_env, fresh_workspace, org_client

pytestmark = pytest.mark.slow
CHUNK = 100  # several Bulk jobs per object at the tiny tier: a kill lands between and inside jobs


def dp2sf(argv: list[str], env: dict[str, str], timeout: float = 900) -> tuple[int, float, str]:
    """Run ``dp2sf argv`` to the end: exit code, seconds, stderr."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "workbench", *argv], env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    return proc.returncode, time.monotonic() - started, proc.stderr


def killed_at_random(argv: list[str], env: dict[str, str], clean_seconds: float, rng: random.Random) -> str:
    """Start ``dp2sf argv``; ``kill -9`` it at a moment drawn over the clean run's duration. Returns what
    happened (for the failure message)."""
    delay = rng.uniform(0.1, 0.9) * clean_seconds
    proc = subprocess.Popen([sys.executable, "-m", "workbench", *argv], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        code = proc.wait(timeout=delay)
        return f"finished before the kill at {delay:.1f}s (exit {code})"
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return f"killed at {delay:.1f}s of {clean_seconds:.1f}s"


def org_by_key(settings: Settings) -> dict[str, dict]:
    """Every loaded record by object and external id, without its Id (what two runs must agree on); a
    duplicate external id fails here."""
    org = org_client(settings)
    out: dict[str, dict] = {}
    for obj, fields in {
        "Account": "Name, Phone",
        "Contact": "LastName, Account.Dispatch_Pro_Id__c",
        "Case": "Subject, Status, Account.Dispatch_Pro_Id__c",
        "Event": "Subject",
        "Line_Item__c": "Total__c, Case__r.Dispatch_Pro_Id__c",
    }.items():
        for rec in org.query_iter(f"SELECT Id, Dispatch_Pro_Id__c, {fields} FROM {obj}"):
            rec.pop("attributes", None)
            rec.pop("Id")
            key = f"{obj}/{rec['Dispatch_Pro_Id__c']}"
            assert key not in out, f"duplicate {key} in the org"
            out[key] = rec
    return out


def ledger_twice(settings: Settings) -> int:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(
            "select count(*) from (select run_id, object_name, source_key, pass from ledger.operations "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
    finally:
        con.close()


def unfinished(settings: Settings, kind: str) -> bool:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'ledger'").fetchall()}  # fmt: skip
        if "runs" not in tables:
            return False
        return bool(con.execute("select count(*) from ledger.runs where kind = ? and status <> 'completed'",
                                [kind]).fetchone()[0])  # fmt: skip
    finally:
        con.close()


@pytest.fixture(scope="module")
def clean_load(built, tmp_path_factory) -> dict:
    """The reference: an uninterrupted ``dp2sf load`` on a reset org (its duration and the org by key)."""
    ws = fresh_workspace(
        built.model_copy(update={"load_chunk_rows": CHUNK}), tmp_path_factory.mktemp("clean")
    )
    code, seconds, stderr = dp2sf(["load"], cli_env(ws))
    assert code == 0, stderr[-2000:]
    return {"seconds": seconds, "org": org_by_key(ws)}


def test_kill_9_at_a_random_moment_of_the_load_then_resume(built, clean_load, tmp_path) -> None:
    seed, rng = drill_rng()
    ws = fresh_workspace(built.model_copy(update={"load_chunk_rows": CHUNK}), tmp_path / "killed")
    what = killed_at_random(["load"], cli_env(ws), clean_load["seconds"], rng)
    again = ["load", "--resume"] if unfinished(ws, "full") else ["load"]
    code, _, stderr = dp2sf(again, cli_env(ws))
    context = f"seed {seed}: {what}, then {' '.join(again)}"
    assert code == 0, f"{context}: {stderr[-2000:]}"
    assert ledger_twice(ws) == 0, context
    assert org_by_key(ws) == clean_load["org"], context
    assert run_reconcile(ws).ok, context


def test_kill_9_at_a_random_moment_of_the_rollback_then_resume(built, admin, tmp_path) -> None:
    seed, rng = drill_rng()
    ws = fresh_workspace(built.model_copy(update={"load_chunk_rows": CHUNK}), tmp_path / "rb")
    before = admin.snapshot()
    code, _, stderr = dp2sf(["load"], cli_env(ws))
    assert code == 0, stderr[-2000:]
    con = duckdb.connect(str(ws.duckdb_path), read_only=True)
    run_id = con.execute("select run_id from ledger.runs where kind = 'full'").fetchone()[0]
    con.close()
    # the clean rollback's duration on a twin: measured on this run would leave nothing to kill
    estimate = float(os.environ.get("DP2SF_DRILL_ROLLBACK_S", "20"))
    what = killed_at_random(["rollback", run_id, "--hard"], cli_env(ws), estimate, rng)
    again = ["rollback", run_id, "--hard"] + (["--resume"] if unfinished(ws, "rollback") else [])
    code, _, stderr = dp2sf(again, cli_env(ws))
    context = f"seed {seed}: {what}, then {' '.join(again)}"
    assert code == 0, f"{context}: {stderr[-2000:]}"
    diff = admin.diff(before, admin.snapshot())
    assert diff["empty"], f"{context}: {diff['objects']}"
    code, output = cli_reconcile(ws)  # after a rollback, `dp2sf reconcile` reconciles the rollback
    assert code == 0 and "reconciled" in output, f"{context}: {output[-3000:]}"


def _change_jobs(settings: Settings, n: int) -> None:
    dp = read_endpoints(settings.sandbox_dir)["dispatch_pro"]
    s = requests.Session()
    s.trust_env = False
    r = s.post(f"{dp['admin_url']}/changes", json={"entity": "jobs", "modify": n},
               headers={"X-Admin-Token": dp["admin_token"]}, timeout=30)  # fmt: skip
    assert r.status_code == 200, r.text


def test_kill_9_at_a_random_moment_of_the_delta_then_again(built, tmp_path) -> None:
    """Killed anywhere in extract, build or load, the same ``dp2sf delta`` again sends the changes once: the
    reconciliation holds and no external id is in the org twice."""
    seed, rng = drill_rng()
    ws = fresh_workspace(built.model_copy(update={"load_chunk_rows": CHUNK}), tmp_path / "delta")
    code, _, stderr = dp2sf(["load"], cli_env(ws))
    assert code == 0, stderr[-2000:]
    _change_jobs(ws, 5)
    estimate = float(os.environ.get("DP2SF_DRILL_DELTA_S", "90"))
    what = killed_at_random(["delta"], cli_env(ws), estimate, rng)
    code, _, stderr = dp2sf(["delta"], cli_env(ws))
    context = f"seed {seed}: {what}, then delta again"
    assert code == 0, f"{context}: {stderr[-2000:]}"
    org_by_key(ws)  # no duplicate
    assert ledger_twice(ws) == 0, context
    assert run_reconcile(ws).ok, context


def test_a_delta_killed_in_its_load_is_continued_by_the_next_delta(built, tmp_path) -> None:
    """The random drill above met this (seed 561951, killed at 36.4 s): ``dp2sf delta`` after a delta killed
    mid-load refused the new run. It continues the killed run instead, which then completes, alone."""
    from loaders.kill import KILL_AT_ENV

    ws = fresh_workspace(built.model_copy(update={"load_chunk_rows": CHUNK}), tmp_path / "delta")
    code, _, stderr = dp2sf(["load"], cli_env(ws))
    assert code == 0, stderr[-2000:]
    _change_jobs(ws, 5)
    code, _, _ = dp2sf(["delta"], {**cli_env(ws), KILL_AT_ENV: "uploaded:Case:1"})
    assert code == -signal.SIGKILL
    code, _, stderr = dp2sf(["delta"], cli_env(ws))
    assert code == 0, stderr[-2000:]
    con = duckdb.connect(str(ws.duckdb_path), read_only=True)
    try:
        runs = con.execute("select status from ledger.runs where kind = 'delta'").fetchall()
    finally:
        con.close()
    assert runs == [("completed",)]  # the killed run, continued; no second delta run over it
    org_by_key(ws)  # no duplicate
    assert ledger_twice(ws) == 0
    assert run_reconcile(ws).ok


def test_kill_9_at_a_random_moment_of_the_extract_then_again(built, tmp_path) -> None:
    """A full extract killed anywhere, then run again, lands the same raw rows as a clean one."""
    seed, rng = drill_rng()
    clean = built.model_copy(update={"data_dir": tmp_path / "clean"})
    code, seconds, stderr = dp2sf(["extract", "--full"], cli_env(clean))
    assert code == 0, stderr[-2000:]
    drilled = built.model_copy(update={"data_dir": tmp_path / "drilled"})
    what = killed_at_random(["extract", "--full"], cli_env(drilled), seconds, rng)
    code, _, stderr = dp2sf(["extract", "--full"], cli_env(drilled))
    assert code == 0, f"seed {seed}: {what}: {stderr[-2000:]}"
    assert raw_row_counts(drilled.duckdb_path) == raw_row_counts(clean.duckdb_path), f"seed {seed}: {what}"
    files = [sorted(p.name for p in (d / "files").rglob("*") if p.is_file()) for d in (tmp_path / "clean",
             tmp_path / "drilled")]  # fmt: skip
    assert files[0] == files[1], f"seed {seed}: {what}"


def _marts(path: Path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             "where table_schema in ('salesforce', 'quarantine')").fetchall()  # fmt: skip
        return {f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables}
    finally:
        con.close()


def test_kill_9_at_a_random_moment_of_the_transform_then_again(built, tmp_path) -> None:
    seed, rng = drill_rng()
    ws = fresh_workspace(built, tmp_path / "tr")
    reference = _marts(ws.duckdb_path)
    estimate = float(os.environ.get("DP2SF_DRILL_TRANSFORM_S", "60"))
    what = killed_at_random(["transform", "--no-docs"], cli_env(ws), estimate, rng)
    code, _, stderr = dp2sf(["transform", "--no-docs"], cli_env(ws))
    assert code == 0, f"seed {seed}: {what}: {stderr[-2000:]}"
    assert _marts(ws.duckdb_path) == reference, f"seed {seed}: {what}"


def test_org_down_mid_load_the_run_ends_reconciled(built, admin, clean_load, tmp_path) -> None:
    """The org answers 503 for 8 s in the middle of ``dp2sf load``: the loader backs off and goes on, or
    breaks off with one line naming ``dp2sf load --resume``, which finishes it; the org ends as the clean
    run's."""
    ws = fresh_workspace(built.model_copy(update={"load_chunk_rows": CHUNK}), tmp_path / "down")
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "load"], env=cli_env(ws),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(min(clean_load["seconds"] * 0.5, 15))
    admin._call("POST", "/outages", {"restart": {"seconds": 8, "mode": "503"}})
    _, stderr = proc.communicate(timeout=900)
    if proc.returncode != 0:  # longer than the retries wait: the run breaks off with one line naming --resume
        errors = [line for line in stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and "`dp2sf load --resume`" in errors[0], stderr[-2000:]
        assert "Traceback" not in stderr
        admin._call("POST", "/outages", {"clear": True})  # the operator resumes once the org is back up
        code, _, stderr = dp2sf(["load", "--resume"], cli_env(ws))
        assert code == 0, stderr[-2000:]
    assert org_by_key(ws) == clean_load["org"]
    assert run_reconcile(ws).ok
