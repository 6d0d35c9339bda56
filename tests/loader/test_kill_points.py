"""The kill points the drills aim at are the ones the loader and the rollback have: a point declared in
``loaders.kill`` that the code never reaches (or one the code has and no list names) fails here, so every
drill over ``LOAD_POINTS`` / ``ROLLBACK_POINTS`` kills where it says."""

from __future__ import annotations

import re
from pathlib import Path

from loaders.kill import FILE_POINTS, LOAD_POINTS, ROLLBACK_POINTS

ROOT = Path(__file__).resolve().parents[2]


def test_the_declared_kill_points_are_the_code_s() -> None:
    load = (ROOT / "loaders/load.py").read_text(encoding="utf-8")
    files = (ROOT / "loaders/files.py").read_text(encoding="utf-8")
    rollback = (ROOT / "loaders/rollback.py").read_text(encoding="utf-8")
    assert set(re.findall(r'kill_point\("([\w-]+)"', load)) == set(LOAD_POINTS)
    assert set(re.findall(r'kill_point\("([\w-]+)"', files)) == set(FILE_POINTS)
    assert set(re.findall(r'_after_job\("([\w-]+)"', rollback)) == set(ROLLBACK_POINTS)


def test_every_rollback_point_is_drilled() -> None:
    """The load points are drilled by a parametrize over LOAD_POINTS (test_resume_rollback) and a seeded draw
    (test_must_show); each rollback point by a test killing there."""
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    assert '@pytest.mark.parametrize("point", LOAD_POINTS)' in tests
    assert "rng.choice(LOAD_POINTS)" in tests
    for point in (*ROLLBACK_POINTS, *FILE_POINTS):
        assert f'"{point}:' in tests, point
