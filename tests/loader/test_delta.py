"""Delta: after N source changes, an incremental extract and rebuild send exactly N rows."""

from __future__ import annotations

import duckdb
import pytest
import requests

from core.stamp import built_invoices, built_person_accounts
from dlt_pipelines.pipeline import run_extract
from loaders.load import run_load
from mapping.transform import run_transform
from sandbox.control import read_endpoints
from workbench.delta import run_delta


def _change_jobs(settings, job_ids: list[int]) -> None:
    dp = read_endpoints(settings.sandbox_dir)["dispatch_pro"]
    s = requests.Session()
    s.trust_env = False
    r = s.post(
        f"{dp['admin_url']}/changes",
        json={"entity": "jobs", "ids": job_ids},
        headers={"X-Admin-Token": dp["admin_token"]},
        timeout=30,
    )
    assert r.status_code == 200, r.text


@pytest.mark.slow
def test_after_n_source_changes_exactly_n_rows_are_sent(workspace) -> None:
    # the worker's simulator is shared: an earlier test may have changed source records since the cached
    # build was extracted (the crash drills modify 5 jobs). Catch the build up first, so the changes counted
    # below are this test's own.
    if run_extract(workspace, full=False).records_extracted:
        run_transform(
            workspace,
            invoices=built_invoices(workspace.duckdb_path),
            docs=False,
            person_accounts=built_person_accounts(workspace.duckdb_path),
        )
    full = run_load(workspace)
    assert full.status == "completed"
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        keys = [
            r[0]
            for r in con.execute(
                "select source_key from ledger.operations where run_id = ? and object_name = 'Case' "
                "and action = 'created' order by source_key limit 3",
                [full.run_id],
            ).fetchall()
        ]
    finally:
        con.close()
    _change_jobs(workspace, [int(k.split(":")[1]) for k in keys])

    delta = run_delta(workspace)
    assert delta.records_extracted > 0
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        updated = [
            r[0]
            for r in con.execute(
                "select source_key from ledger.operations where run_id = ? and action = 'updated' order by 1",
                [delta.load.run_id],
            ).fetchall()
        ]
        # besides the changed rows, a delta sends only rows the change created in the source (new status
        # history, milestones) and rows the org refused last time
        retried = con.execute(
            "select d.object_name, d.source_key, f.action, d.action from ledger.operations as d "
            "left join ledger.operations as f on f.run_id = ? and f.object_name = d.object_name "
            "and f.source_key = d.source_key "
            "where d.run_id = ? and d.action in ('created', 'updated', 'failed') and d.object_name <> 'Case'",
            [full.run_id, delta.load.run_id],
        ).fetchall()
        kind = con.execute("select kind from ledger.runs where run_id = ?", [delta.load.run_id]).fetchall()
    finally:
        con.close()
    assert updated == keys and kind == [("delta",)]
    assert delta.load.sent["Case"] == 3 and delta.load.counts["Case"]["updated"] == 3
    assert all(before == "failed" or (before is None and now == "created") for _, _, before, now in retried)
    others = sum(n for obj, n in delta.load.sent.items() if obj != "Case")
    assert others == len(retried)
