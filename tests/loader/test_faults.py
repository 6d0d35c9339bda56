"""Faults injected in the org (row locks, 503s, dropped connections, a job failing mid-way, the daily limit):
the run ends where a clean run ends, or stops with a clear message and resumes to it."""

from __future__ import annotations

import duckdb

from loaders.load import run_load
from tests.loader.helpers import org_client

OBJECTS = ["Account", "Contact", "Location__c", "Case", "Line_Item__c"]


def _loaded(result) -> dict[str, int]:
    return {
        obj: sum(c.get(a, 0) for a in ("created", "updated", "unchanged"))
        for obj, c in result.counts.items()
        if obj in OBJECTS
    }


def _clean_counts(workspace) -> dict[str, int]:
    """What a clean run loads (computed on the same build: same data, same org rules)."""
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        return {
            obj: con.execute(f'select count(*) from salesforce."{obj}"').fetchall()[0][0] for obj in OBJECTS
        }
    finally:
        con.close()


def _error_codes(workspace, run_id: str) -> set[str]:
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        rows = con.execute(
            "select distinct error_code from ledger.operations where run_id = ? and action = 'failed'",
            [run_id],
        ).fetchall()
        return {r[0] for r in rows}
    finally:
        con.close()


def test_row_locks_503s_and_a_failed_job_end_like_a_clean_run(workspace, admin) -> None:
    # locks here are random row failures, not a job still holding the parent: no need to wait between sweeps
    settings = workspace.model_copy(
        update={"load_lock_retries": 5, "load_chunk_rows": 150, "load_lock_retry_seconds": 0.1}
    )
    admin.faults(lock_row_fraction=0.1, http_503=3, drop_connections=2, fail_job_after=40)
    try:
        result = run_load(settings, objects=OBJECTS)
    finally:
        admin.faults(clear=True)
    assert result.status == "completed"
    failed_codes = _error_codes(settings, result.run_id)
    assert "UNABLE_TO_LOCK_ROW" not in failed_codes and "UNPROCESSED" not in failed_codes
    clean = run_load(settings.model_copy(update={"load_lock_retries": 0}), objects=OBJECTS)
    # a second run over the same org finds nothing left to do: the faulty run loaded every row
    assert clean.sent == {} or set(clean.sent) <= {o for o in OBJECTS if result.counts[o].get("failed")}
    expected = _clean_counts(settings)
    loaded = _loaded(result)
    for obj in ("Account", "Case"):
        assert loaded[obj] + result.counts[obj].get("failed", 0) == expected[obj]
    org = org_client(settings)
    for obj in OBJECTS:  # no duplicates in the org: every external id once
        keys = [r["Dispatch_Pro_Id__c"] for r in org.query_iter(f"SELECT Dispatch_Pro_Id__c FROM {obj}")]
        assert len(keys) == len(set(keys)) == loaded[obj], obj


def test_the_run_stops_cleanly_at_the_limit_share_and_resumes(workspace, admin) -> None:
    org = org_client(workspace)
    used = org.sf.limits()["DailyApiRequests"]
    used_now = used["Max"] - used["Remaining"]
    # leave room for a few jobs only: the run must stop itself at 90% of the (small) allowance
    admin.settings(limits={"DailyApiRequests": int((used_now + 30) / 0.9) + 1})
    try:
        stopped = run_load(workspace, objects=OBJECTS)
        assert stopped.status == "stopped"
        assert "DailyApiRequests" in stopped.message and "--resume" in stopped.message
        assert stopped.jobs > 0
    finally:
        admin.settings(limits={"DailyApiRequests": 1_000_000})
    resumed = run_load(workspace, resume=True, objects=OBJECTS)
    assert resumed.run_id == stopped.run_id and resumed.status == "completed"
    expected = _clean_counts(workspace)
    loaded = _loaded(resumed)
    for obj in OBJECTS:
        assert loaded[obj] + resumed.counts[obj].get("failed", 0) == expected[obj], obj


def test_a_job_the_org_is_slow_to_process_is_polled_a_few_times_not_four_times_a_second(
    workspace, admin, tmp_path
) -> None:
    # every status poll is an API call against the org's daily allowance: a job that waits in the org
    # is polled ever less often (it had been every 0.05-0.25 s for as long as it waited)
    from loaders.bulk import BulkIngest

    spool = tmp_path / "accounts.csv"
    spool.write_text("Name,Dispatch_Pro_Id__c\nSlow One,customer:slow1\nSlow Two,customer:slow2\n")
    admin.faults(slow_seconds=8)
    try:
        outcome = BulkIngest(org_client(workspace), "Account", tmp_path / "work").run(
            "upsert", spool, 2, "Dispatch_Pro_Id__c", external_id="Dispatch_Pro_Id__c"
        )
    finally:
        admin.faults(clear=True)
    assert outcome.state == "JobComplete" and outcome.table.num_rows == 2
    assert outcome.seconds >= 8
    # a fixed 0.05 s (the 2-row job's size-based wait) would be ~160 polls; an 8th of the elapsed time ~30
    assert outcome.polls <= 40, outcome.polls
    # and the job is noticed soon after it ends (within an eighth of its time, plus a poll)
    assert outcome.seconds < 8 * 1.125 + 3
