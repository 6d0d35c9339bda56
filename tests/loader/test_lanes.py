"""Objects of one level load side by side unless they share a parent record; row locks in the org (its
deterministic model of parallel jobs) show the difference."""

from __future__ import annotations

import duckdb

import loaders.load as load_module
from loaders.lanes import plan_lanes
from loaders.load import make_plan, run_load
from tests.loader.helpers import fresh_workspace


def _lanes(settings, level: int) -> list[set[str]]:
    plan = make_plan(settings)
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        objs = [p for p in plan.objects if p.level == plan.get(p.name).level == level]
        return [{p.name for p in lane} for lane in plan_lanes(con, objs)]
    finally:
        con.close()


def test_lanes_split_independent_objects_and_keep_children_of_shared_parents_together(built) -> None:
    assert sorted(_lanes(built, 0), key=sorted) == [{"Account"}, {"Skill__c"}]  # no parent in common
    level4 = _lanes(built, make_plan(built).get("Event").level)
    event_lane = next(lane for lane in level4 if "Event" in lane)
    # Events, Tasks, comments and line items all point at the same Cases: one lane, one job at a time
    assert {"Event", "Task", "CaseComment", "Line_Item__c", "Job_Status_History__c"} <= event_lane


def test_parallel_lanes_meet_no_row_locks_where_one_lane_per_object_does(built, admin, tmp_path, monkeypatch):
    settings = built.model_copy(update={"load_parallel_objects": 3})
    ws = fresh_workspace(settings, tmp_path / "lanes")
    admin.settings(row_locks=True, row_lock_window_seconds=0.5)
    try:
        lanes = run_load(ws)
        assert lanes.status == "completed"
        assert lanes.peak_jobs_in_flight >= 2  # Account and Skill__c (at least) ran side by side
        assert lanes.retried == {}  # no job met another's lock
        assert not any(c.get("failed") for c in lanes.counts.values())

        # the control: every object its own lane, so children of the same Cases go out at once
        monkeypatch.setattr(load_module, "plan_lanes", lambda con, objs: [[o] for o in objs])
        # the control meets locks on purpose: with more sweeps than the default it still ends where the safe
        # run ends even on a busy machine (each sweep re-sends only what a lock refused)
        ws2 = fresh_workspace(settings.model_copy(update={"load_lock_retries": 8}), tmp_path / "unsafe")
        admin.settings(row_locks=True, row_lock_window_seconds=0.5)
        unsafe = run_load(ws2)
        assert unsafe.peak_jobs_in_flight >= 3 and sum(unsafe.retried.values()) > 0  # locks met, retried
        assert unsafe.counts == lanes.counts  # the retries still end where the safe run ends
    finally:
        admin.settings(row_locks=False)


def test_the_wait_before_a_lock_retry_is_random_doubling_and_capped() -> None:
    from loaders.load import lock_retry_wait

    waits = [[lock_retry_wait(2.0, attempt) for _ in range(400)] for attempt in (1, 2, 3, 12)]
    assert all(0 <= w <= 2.0 for w in waits[0]) and all(0 <= w <= 4.0 for w in waits[1])
    assert max(waits[1]) > 2.0 and max(waits[2]) > 4.0  # the ceiling doubles
    assert all(w <= 60.0 for w in waits[3]) and len(set(waits[0])) == 400  # capped; never in step
    assert lock_retry_wait(0.0, 3) == 0.0  # DP2SF_LOAD_LOCK_RETRY_SECONDS=0: no wait
