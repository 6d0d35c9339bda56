"""Smoke test of ``make bench``'s harness at the tiny tier: two stages, real sandboxes, one JSON line and the
generated BENCHMARKS.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_run_all_measures_two_stages_at_tiny(tmp_path: Path) -> None:
    results, summary = tmp_path / "runs.jsonl", tmp_path / "BENCHMARKS.md"
    proc = subprocess.run(
        [sys.executable, "bench/run_all.py", "--tiers", "tiny", "--stages", "extract_plain,extract",
         "--work", str(tmp_path / "work"), "--results", str(results), "--benchmarks", str(summary)],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (run,) = [json.loads(line) for line in results.read_text().splitlines()]
    assert run["complete"] and run["tier"] == "tiny" and run["stages_run"] == ["extract_plain", "extract"]
    assert run["git_commit"] and run["machine"] and len(run["load_avg_start"]) == 3
    plain, dlt = run["stages"]
    for row in (plain, dlt):
        assert row["records"] > 1_000 and row["seconds"] > 0 and row["records_per_s"] > 0
        assert 50 < row["peak_rss_mb"] < 2048 and row["process_cpu_s"] > 0
        assert row["source_api_calls"] > 10  # the simulator's own request log
        assert row["org_api_calls"] == 0  # an extract does not call the org
    text = summary.read_text()
    assert "## Tier tiny" in text and "| extract |" in text and "x extract_plain" in text
    assert "extract within 2x the plain loop" in text
