"""Admin API: changes (modify/create) picked up by `from`, counts, request log, settings, persistence."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from sandbox import control
from sandbox.dispatch_pro.generator import counts

from .conftest import DpClient


def test_admin_needs_its_token(dp_private) -> None:
    resp = requests.get(
        f"{dp_private.ep['admin_url']}/counts", headers={"X-Admin-Token": "wrong"}, timeout=10
    )
    assert resp.status_code == 401


def test_modified_jobs_come_back_after_from_with_bumped_modified_on(dp_private) -> None:
    jobs, pages = dp_private.export_all("jpm", "export/jobs")
    mark = pages[-1]["continueFrom"]
    before = {j["id"]: j for j in jobs}
    resp = dp_private.admin("POST", "/changes", json={"entity": "jobs", "modify": 5, "create": 2})
    assert resp.status_code == 200, resp.text
    change = resp.json()
    assert len(change["modified_ids"]) == 5 and len(change["created_ids"]) == 2
    delta, _ = dp_private.export_all("jpm", "export/jobs", **{"from": mark})
    assert {j["id"] for j in delta} == set(change["modified_ids"]) | set(change["created_ids"])
    newest = max(j["modifiedOn"] for j in jobs)
    for job in delta:
        assert job["modifiedOn"] > newest
        if job["id"] in before:
            old = before[job["id"]]
            assert job["createdOn"] == old["createdOn"] and job["summary"] != old["summary"]
    # a full export still has every job exactly once, with the new ones
    everything, _ = dp_private.export_all("jpm", "export/jobs")
    assert len(everything) == len(jobs) + 2 and len({j["id"] for j in everything}) == len(everything)
    # the change shows in the related exports keyed by job: history and dispatch metadata
    history, _ = dp_private.export_all("jpm", "export/job-history", **{"from": change["modifiedOn"][:10]})
    assert set(change["modified_ids"]) | set(change["created_ids"]) <= {h["jobId"] for h in history}
    # dispatch metadata is not in the API: it shows in the export folder once the simulator writes it again
    assert dp_private.get("dispatch-pro", "export/job-dispatch-metadata").status_code == 404
    written = dp_private.admin("POST", "/exports")
    assert written.status_code == 200, written.text
    folder = Path(written.json()["exports_dir"])
    lines = (folder / "job_dispatch_metadata.jsonl").read_text().splitlines()
    meta = [m for m in map(json.loads, lines) if m["modifiedOn"] > newest]
    assert {m["jobId"] for m in meta} == {j["id"] for j in delta}
    assert len(lines) == len(everything)
    # ... and in the counts
    admin_counts = dp_private.admin("GET", "/counts").json()
    base = counts(42, "tiny")
    assert admin_counts["jobs"] == base["jobs"] + 2
    assert admin_counts["job_dispatch_metadata"] == base["job_dispatch_metadata"] + 2
    served_events = sum(len(h["history"]) for h in dp_private.export_all("jpm", "export/job-history")[0])
    assert admin_counts["job_history"] == served_events >= base["job_history"]


def test_modify_specific_ids_and_unsupported_create(dp_private) -> None:
    customers, _ = dp_private.export_all("crm", "export/customers")
    target = customers[3]["id"]
    resp = dp_private.admin("POST", "/changes", json={"entity": "customers", "ids": [target]})
    assert resp.json()["modified_ids"] == [target]
    after, _ = dp_private.export_all("crm", "export/customers", **{"from": resp.json()["modifiedOn"]})
    assert [c["id"] for c in after] == [target]
    bad = dp_private.admin("POST", "/changes", json={"entity": "payments", "create": 1})
    assert bad.status_code == 400 and "create" in bad.json()["title"]
    unknown = dp_private.admin("POST", "/changes", json={"entity": "widgets", "modify": 1})
    assert unknown.status_code == 400 and "widgets" in unknown.json()["title"]


def test_request_log_records_exactly_what_was_asked(dp_private) -> None:
    assert dp_private.admin("DELETE", "/requests").status_code == 200
    dp_private.get("crm", "export/locations", **{"from": "2024-01-01"})
    dp_private.get("jpm", "job-types", page=2, pageSize=3)
    log = dp_private.admin("GET", "/requests").json()["requests"]
    api = [r for r in log if r["path"] != "/connect/token"]
    assert [(r["method"], r["path"].rsplit("/", 2)[-1], r["status"]) for r in api] == [
        ("GET", "locations", 200),
        ("GET", "job-types", 200),
    ]
    assert api[0]["query"] == "from=2024-01-01" and api[1]["query"] == "page=2&pageSize=3"


def test_settings_change_page_size_and_token_lifetime(dp_private) -> None:
    try:
        assert dp_private.admin("POST", "/settings", json={"export_page_size": 7}).status_code == 200
        first = dp_private.get("crm", "export/customers").json()
        assert len(first["data"]) == 7 and first["hasMore"] is True
        records, pages = dp_private.export_all("crm", "export/customers")
        assert len(pages) > 5 and len({c["id"] for c in records}) == len(records)
        resp = dp_private.admin("POST", "/settings", json={"token_lifetime_s": 1})
        assert resp.json()["token_lifetime_s"] == 1
        dp_private.new_token()
        import time

        time.sleep(1.2)
        assert dp_private.get("crm", "export/customers").status_code == 401
        bad = dp_private.admin("POST", "/settings", json={"export_page_size": 0, "colour": 1})
        assert bad.status_code == 400
    finally:
        dp_private.admin("POST", "/settings", json={"export_page_size": 500, "token_lifetime_s": 900})
        dp_private.new_token()


def test_overlay_survives_a_restart(tmp_path) -> None:
    try:
        ep = control.up(tmp_path, seed=7, scale="tiny", which=("dispatch_pro",))["dispatch_pro"]
        client = DpClient(ep)
        change = client.admin(
            "POST", "/changes", json={"entity": "locations", "modify": 2, "create": 1}
        ).json()
        control.down(tmp_path)
        client = DpClient(control.up(tmp_path, seed=7, scale="tiny", which=("dispatch_pro",))["dispatch_pro"])
        after, _ = client.export_all("crm", "export/locations", **{"from": change["modifiedOn"][:10]})
        ids = {loc["id"] for loc in after}
        assert set(change["modified_ids"]) | set(change["created_ids"]) <= ids
        assert client.admin("GET", "/counts").json()["locations"] == counts(7, "tiny")["locations"] + 1
    finally:
        control.down(tmp_path)
