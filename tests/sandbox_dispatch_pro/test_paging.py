"""Export paging (from / continueFrom) and list paging (page, pageSize, includeTotal, filters) over HTTP."""

from __future__ import annotations

import pytest

from sandbox.dispatch_pro.entities import ENTITIES
from sandbox.dispatch_pro.generator import counts

EXPORTS = [e for e in ENTITIES.values() if e.kind == "export" and e.served]


def _key(record: dict) -> str:
    return str(record.get("id", record.get("jobId")))


@pytest.mark.parametrize("ent", EXPORTS, ids=lambda e: e.key)
def test_export_covers_every_record_once_and_matches_counts(dp, ent) -> None:
    expected = counts(42, "tiny")  # every record, inactive ones too
    records, pages = dp.export_all(ent.module, ent.path, **({"active": "Any"} if ent.active_default else {}))
    ids = [_key(r) for r in records]
    assert len(ids) == len(set(ids)), f"{ent.key}: duplicates across pages"
    key = "job_history_records" if ent.key == "job_history" else ent.key
    assert len(records) == expected[key]
    assert all(p["continueFrom"] for p in pages)
    if ent.key not in ("job_history",):
        stamps = [(r["modifiedOn"], r.get("id", r.get("jobId"))) for r in records]
        assert stamps == sorted(stamps), f"{ent.key}: not ordered by (modifiedOn, id)"


def test_active_defaults_follow_each_spec(dp) -> None:
    """dispatch-v2 assignments: only active unless asked; jpm-v2 appointments: all by default."""
    everything, _ = dp.export_all("dispatch", "export/appointment-assignments", active="Any")
    inactive = {a["id"] for a in everything if not a["active"]}
    assert inactive, "the tiny data set has canceled (inactive) assignments"
    default, _ = dp.export_all("dispatch", "export/appointment-assignments")
    assert {a["id"] for a in default} == {a["id"] for a in everything} - inactive
    only_inactive, _ = dp.export_all("dispatch", "export/appointment-assignments", active="False")
    assert {a["id"] for a in only_inactive} == inactive
    appointments, _ = dp.export_all("jpm", "export/appointments")
    assert len(appointments) == counts(42, "tiny")["appointments"]
    bad = dp.get("dispatch", "export/appointment-assignments", active="Sometimes")
    assert bad.status_code == 400 and "active" in bad.json()["errors"]
    # customers, locations and technicians exports document no `active`: every record, with its flag
    for module, path in (
        ("crm", "export/customers"),
        ("crm", "export/locations"),
        ("settings", "export/technicians"),
    ):
        records, _ = dp.export_all(module, path)
        assert any(not r["active"] for r in records) and any(r["active"] for r in records), path


def test_job_history_events_match_counts(dp) -> None:
    records, _ = dp.export_all("jpm", "export/job-history")
    assert sum(len(r["history"]) for r in records) == counts(42, "tiny")["job_history"]


def test_export_pages_are_500_and_continue_where_they_left(dp) -> None:
    first = dp.get("jpm", "export/appointments").json()
    assert len(first["data"]) == 241 and not first["hasMore"]  # tiny: one page of at most 500
    again = dp.get("jpm", "export/appointments", **{"from": first["continueFrom"]}).json()
    assert again["data"] == [] and again["hasMore"] is False and again["continueFrom"]


def test_from_date_is_inclusive_on_modified_on(dp) -> None:
    jobs, _ = dp.export_all("jpm", "export/jobs")
    pivot = jobs[120]
    day = pivot["modifiedOn"][:10]
    since_day, _ = dp.export_all("jpm", "export/jobs", **{"from": day})
    assert since_day == [j for j in jobs if j["modifiedOn"] >= day]
    exact, _ = dp.export_all("jpm", "export/jobs", **{"from": pivot["modifiedOn"]})
    assert exact[0] == pivot and len(exact) == len(jobs) - 120


def test_includes_inactive_records(dp) -> None:
    customers, _ = dp.export_all("crm", "export/customers", includeRecentChanges="true")
    assert any(not c["active"] for c in customers) and any(c["active"] for c in customers)


def test_bad_from_is_a_clear_400(dp) -> None:
    resp = dp.get("jpm", "export/jobs", **{"from": "yesterday"})
    assert resp.status_code == 400
    body = resp.json()
    assert set(body) == {"type", "title", "status", "traceId", "errors", "data"}
    assert "from" in body["errors"] and "yesterday" in body["errors"]["from"][0]
    assert dp.get("jpm", "export/jobs", **{"from": "cf1.%%%"}).status_code == 400


# ----- list endpoints ---------------------------------------------------------------------------------------
def test_list_paging_page_size_and_total(dp) -> None:
    all_shifts = dp.list_all("dispatch", "technician-shifts", page_size=5000, active="Any")
    assert len(all_shifts) == counts(42, "tiny")["technician_shifts"]
    page2 = dp.get(
        "dispatch", "technician-shifts", page=2, pageSize=7, active="Any", includeTotal="true"
    ).json()
    assert page2["page"] == 2 and page2["pageSize"] == 7 and page2["hasMore"] is True
    assert page2["totalCount"] == len(all_shifts)
    assert page2["data"] == all_shifts[7:14]
    no_total = dp.get("dispatch", "technician-shifts", pageSize=7).json()
    assert no_total["totalCount"] is None
    paged = dp.list_all("dispatch", "technician-shifts", page_size=13, active="Any")
    assert paged == all_shifts


@pytest.mark.parametrize("size", ["0", "5001", "-3", "abc"])
def test_page_size_out_of_range_is_400(dp, size: str) -> None:
    resp = dp.get("jpm", "job-types", pageSize=size)
    assert resp.status_code == 400 and "pageSize" in resp.json()["errors"]


def test_active_filter_defaults_to_true(dp) -> None:
    default = dp.list_all("jpm", "job-types")
    anything = dp.list_all("jpm", "job-types", active="Any")
    inactive = dp.list_all("jpm", "job-types", active="False")
    assert all(t["active"] for t in default) and all(not t["active"] for t in inactive)
    assert len(default) + len(inactive) == len(anything) == counts(42, "tiny")["job_types"]
    assert inactive, "tiny must have an inactive job type"
    assert dp.get("jpm", "job-types", active="Maybe").status_code == 400


def test_ids_filter(dp) -> None:
    zones = dp.list_all("dispatch", "zones", active="Any")
    wanted = [zones[0]["id"], zones[-1]["id"]]
    got = dp.get("dispatch", "zones", ids=",".join(map(str, wanted)), active="Any").json()["data"]
    assert sorted(z["id"] for z in got) == sorted(wanted)
    too_many = ",".join(str(i) for i in range(51))
    resp = dp.get("dispatch", "zones", ids=too_many)
    assert resp.status_code == 400 and "ids" in resp.json()["errors"]


def test_modified_and_created_filters_and_sort(dp) -> None:
    shifts = dp.list_all("dispatch", "technician-shifts", page_size=5000, active="Any")
    pivot = sorted(s["modifiedOn"] for s in shifts)[len(shifts) // 2]
    newer = dp.list_all("dispatch", "technician-shifts", active="Any", modifiedOnOrAfter=pivot)
    assert newer and all(s["modifiedOn"] >= pivot for s in newer)
    assert len(newer) == sum(s["modifiedOn"] >= pivot for s in shifts)
    created_pivot = sorted(s["createdOn"] for s in shifts)[len(shifts) // 2]
    created = dp.list_all("dispatch", "technician-shifts", active="Any", createdOnOrAfter=created_pivot)
    assert len(created) == sum(s["createdOn"] >= created_pivot for s in shifts)
    desc = dp.list_all("dispatch", "technician-shifts", active="Any", sort="-ModifiedOn", page_size=5000)
    assert [s["modifiedOn"] for s in desc] == sorted((s["modifiedOn"] for s in shifts), reverse=True)
    assert dp.get("dispatch", "technician-shifts", sort="+Colour").status_code == 400


def test_submissions_list_counts(dp) -> None:
    subs = dp.list_all("forms", "submissions", page_size=40)
    assert len(subs) == counts(42, "tiny")["form_submissions"]
    assert len({s["id"] for s in subs}) == len(subs)
