"""Admin changes to every exported entity, as a delta extract must pick them up: updates, deactivations,
new line items, new attachments and a changed technician email, each visible after ``from``."""

from __future__ import annotations

import pytest

from sandbox.dispatch_pro.entities import ENTITIES

from .conftest import DpClient

EXPORTS = [e for e in ENTITIES.values() if e.kind == "export" and e.served]


def _change(dp: DpClient, **body) -> dict:
    resp = dp.admin("POST", "/changes", json=body)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _after(dp: DpClient, ent, since: str) -> list[dict]:
    records, _ = dp.export_all(ent.module, ent.path, **{"from": since, "active": "Any"})
    return records


def _key(record: dict) -> int:
    return record.get("id", record.get("jobId"))


@pytest.mark.parametrize("ent", EXPORTS, ids=lambda e: e.key)
def test_every_export_entity_can_be_updated_and_deactivated(dp_private: DpClient, ent) -> None:
    change = _change(dp_private, entity=ent.key, modify=1, deactivate=1)
    assert len(change["modified_ids"]) == 1 and len(change["deactivated_ids"]) == 1
    delta = {_key(r): r for r in _after(dp_private, ent, change["modifiedOn"][:10])}
    assert set(change["modified_ids"]) | set(change["deactivated_ids"]) <= set(delta), ent.key
    if ent.key != "job_history":  # history rows have no active flag
        (gone,) = change["deactivated_ids"]
        assert delta[gone]["active"] is False


def test_a_technician_email_change_shows_in_the_delta(dp_private: DpClient) -> None:
    techs, pages = dp_private.export_all("settings", "export/technicians")
    target = techs[4]
    change = _change(dp_private, entity="technicians", ids=[target["id"]])
    (after,) = [t for t in _after(dp_private, ENTITIES["technicians"], pages[-1]["continueFrom"])]
    assert after["id"] == target["id"] and after["email"] != target["email"] and "@new." in after["email"]
    assert after["modifiedOn"] == change["modifiedOn"]


def test_new_line_items_land_on_an_existing_invoice_and_bump_it(dp_private: DpClient) -> None:
    invoices, inv_pages = dp_private.export_all("accounting", "export/invoices")
    _items, item_pages = dp_private.export_all("accounting", "export/invoice-items")
    change = _change(dp_private, entity="invoice-items", create=2)
    new = _after(dp_private, ENTITIES["invoice_items"], item_pages[-1]["continueFrom"])
    assert {i["id"] for i in new} == set(change["created_ids"])
    existing = {i["id"] for i in invoices}
    assert all(i["invoiceId"] in existing for i in new)
    bumped = _after(dp_private, ENTITIES["invoices"], inv_pages[-1]["continueFrom"])
    assert {i["invoiceId"] for i in new} <= {v["id"] for v in bumped}


def test_new_attachments_are_listed_downloadable_and_their_job_is_bumped(dp_private: DpClient) -> None:
    _jobs, pages = dp_private.export_all("jpm", "export/jobs")
    change = _change(dp_private, entity="job_attachments", create=1)
    (new_id,) = change["created_ids"]
    bumped = _after(dp_private, ENTITIES["jobs"], pages[-1]["continueFrom"])
    listed = {
        a["id"]: a
        for job in bumped
        for a in dp_private.get("forms", f"jobs/{job['id']}/attachments").json()["data"]
    }
    assert new_id in listed
    download = dp_private.get("forms", f"jobs/attachment/{new_id}")
    assert download.status_code == 200 and len(download.content) == listed[new_id]["size"]
    bad = dp_private.admin("POST", "/changes", json={"entity": "job_attachments", "modify": 1})
    assert bad.status_code == 400


def test_a_job_changed_twice_keeps_the_history_its_first_change_wrote(dp_private: DpClient) -> None:
    # job history is append-only at the source: the event a change wrote keeps its id, type and date when the
    # job changes again (a delta must not see it as modified)
    jobs, _ = dp_private.export_all("jpm", "export/jobs")
    open_jobs = [j["id"] for j in jobs if j["jobStatus"] in ("Scheduled", "Dispatched")]
    assert open_jobs, "the sample has no job whose status can advance twice"
    job_id = open_jobs[0]

    def history() -> list[dict]:
        rows, _ = dp_private.export_all("jpm", "export/job-history", active="Any")
        (events,) = [r["history"] for r in rows if r["jobId"] == job_id]
        return events

    before = history()
    _change(dp_private, entity="jobs", ids=[job_id])
    first = history()
    _change(dp_private, entity="jobs", ids=[job_id])
    second = history()
    assert len(first) == len(before) + 1 and len(second) == len(first) + 1
    assert second[: len(first)] == first
    assert second[-1]["date"] >= first[-1]["date"] and second[-1]["id"] != first[-1]["id"]
