"""``map propose`` for a source value no value map knows (issue 17 §3): a target value is proposed only when
it means the same; a value close in spelling only (``Pending`` ~ ``Working``) stays unmapped,
with the hint."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from mapping.propose import _value_rows
from mapping.propose_score import TargetField

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
CASE_STATUS = TargetField("Case", "Status", "Status", "picklist", None,
                          ("New", "Working", "Escalated", "Closed", "On Hold"))  # fmt: skip


def _flagged(values: list[str]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema quarantine")
    con.execute(
        "create table quarantine.flagged_values (object_name varchar, source_key varchar, rule varchar, "
        "column_name varchar, value varchar, reason varchar)"
    )
    for i, value in enumerate(values):
        con.execute(
            "insert into quarantine.flagged_values values ('Case', ?, 'unmapped_value', 'Status', ?, "
            "'no mapping for this value in seed:map_job_status.case_status (Case Status)')",
            [f"job:{i}", value],
        )
    return con


def test_the_shipped_seeds_map_pending_to_new_approved() -> None:
    with (SEEDS / "map_job_status.csv").open(newline="", encoding="utf-8") as f:
        rows = {r["source_status"]: r for r in csv.DictReader(f)}
    assert (rows["Pending"]["case_status"], rows["Pending"]["status"]) == ("New", "approved")


def test_a_spelling_match_is_not_proposed_a_synonym_is(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    path = seeds / "map_job_status.csv"
    path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                            if not line.startswith("Pending,")))  # fmt: skip  # as if never seeded
    rows, seed_rows = _value_rows(_flagged(["Pending", "Cancelled"]), seeds, {"Case": [CASE_STATUS]}, [])
    by_value = {r["source_value"]: r for r in rows}
    pending = by_value["Pending"]
    # no seed row, no target: the transform keeps failing, naming Pending, until a person decides
    assert pending["decision"] == "unmapped" and pending["field"] == "" and float(pending["confidence"]) == 0
    assert "closest by spelling 'Working'" in pending["reasons"] and "a person decides" in pending["reasons"]
    assert [r["source_status"] for r in seed_rows["map_job_status"]] == ["Cancelled"]
    cancelled = by_value["Cancelled"]  # the synonym table: cancelled -> closed means the same
    assert cancelled["decision"] == "proposed" and seed_rows["map_job_status"][0]["case_status"] == "Closed"
    assert "same meaning 'Closed'" in cancelled["reasons"]
