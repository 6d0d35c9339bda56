"""The seeds' review status column: added idempotently, text kept as written, proposals appended once."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import PROJECT_DIR
from mapping.propose_seeds import (
    PROPOSED,
    SeedStatusError,
    append_proposals,
    ensure_status_column,
    proposed_rows,
    read_seed,
    reviewed_seeds,
)

MAP = (
    'source_status,case_status,note\nHold,Escalated,"paused, ""parts""\non two lines"\nScheduled,New,booked\n'
)


def test_status_column_is_added_once_and_keeps_the_text(tmp_path: Path):
    (tmp_path / "map_job_status.csv").write_text(MAP)
    (tmp_path / "not_migrated.csv").write_text("table,column,reason\njobs,x,why\n")  # not a reviewed seed
    assert ensure_status_column(tmp_path) == [tmp_path / "map_job_status.csv"]
    text = (tmp_path / "map_job_status.csv").read_text()
    assert text == (
        "source_status,case_status,note,status\n"
        'Hold,Escalated,"paused, ""parts""\non two lines",approved\n'
        "Scheduled,New,booked,approved\n"
    )
    assert ensure_status_column(tmp_path) == []  # idempotent
    assert (tmp_path / "not_migrated.csv").read_text() == "table,column,reason\njobs,x,why\n"
    header, rows = read_seed(tmp_path / "map_job_status.csv")
    assert rows[0]["note"] == 'paused, "parts"\non two lines' and {r["status"] for r in rows} == {"approved"}


def test_a_blank_status_after_a_merge_becomes_approved(tmp_path: Path):
    seed = tmp_path / "map_item_type.csv"
    seed.write_text("source_type,line_item_type,note,status\nService,Service,x,\nMaterial,Material,y\n")
    ensure_status_column(tmp_path)
    assert seed.read_text().endswith("Service,Service,x,approved\nMaterial,Material,y,approved\n")
    assert ensure_status_column(tmp_path) == []


def test_proposals_are_appended_once_and_a_bad_status_is_refused(tmp_path: Path):
    (tmp_path / "map_job_status.csv").write_text(MAP)
    seed = tmp_path / "map_job_status.csv"
    new = [{"source_status": "OnSite", "case_status": "Working", "note": "proposed", "unknown": "dropped"}]
    assert append_proposals(seed, ["source_status"], new) == 1
    assert append_proposals(seed, ["source_status"], new) == 0
    assert seed.read_text().endswith("OnSite,Working,proposed,proposed\n")
    assert [(p.seed, p.line, p.row["source_status"]) for p in proposed_rows(tmp_path)] == [
        ("map_job_status.csv", 4, "OnSite")
    ]
    seed.write_text(seed.read_text().replace(",proposed\n", ",maybe\n"))
    with pytest.raises(SeedStatusError, match="status 'maybe'"):
        proposed_rows(tmp_path)


def test_the_project_seeds_carry_the_status_and_nothing_is_proposed():
    seeds = PROJECT_DIR / "dbt_project" / "seeds"
    assert {p.name for p in reviewed_seeds(seeds)} >= {"custom_fields.csv", "map_job_status.csv"}
    for path in reviewed_seeds(seeds):
        header, rows = read_seed(path)
        assert header[-1] == "status", path
        assert all(r["status"] in ("approved", PROPOSED) for r in rows), path
    assert proposed_rows(seeds) == []
