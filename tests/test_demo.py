"""`dp2sf demo` end to end on the tiny tier: every built stage runs on the real extract, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sandbox import control


@pytest.fixture()
def demo_dirs(tmp_path: Path):
    dirs = {name: tmp_path / name for name in ("sandbox", "data", "build", "reports")}
    yield dirs
    control.down(dirs["sandbox"])


@pytest.mark.slow
def test_demo_runs_every_stage_on_the_real_extract(demo_dirs: dict[str, Path]) -> None:
    env = {**os.environ, **{f"DP2SF_{k.upper()}_DIR": str(v) for k, v in demo_dirs.items()}}
    env["DP2SF_GX_PROJECT_DIR"] = str(demo_dirs["build"] / "gx_project")  # never the repo's committed suites
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "demo"], env=env, capture_output=True, text=True, timeout=1500
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo complete" in result.stdout
    # the story, one line per step in a non-terminal, every step named and ok, in order
    from workbench.demo import STAGES

    steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert [line.split("] ", 1)[1].split(" ok ", 1)[0] for line in steps] == list(STAGES), steps
    assert "check passed" in steps[3] and "the org is as before the delta" in steps[14]
    assert len((result.stdout + result.stderr).splitlines()) < 60  # the whole run, as the README shows it
    assert "Traceback" not in result.stderr
    assert (demo_dirs["build"] / "manifest.csv").is_file()

    con = duckdb.connect(str(demo_dirs["data"] / "dp2sf.duckdb"), read_only=True)
    try:
        # dlt must not split a column by type (a "value__v_text" beside "value" loses data downstream)
        variants = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw_dispatch_pro' and column_name like '%\\_\\_v\\_%' escape '\\'"
        ).fetchall()
        assert variants == []
        # every custom-property value the source sent reaches staging as text (an empty or blank string is no
        # value: staging makes it null, dbt_project/README.md)
        raw = con.execute(
            "select count(*) from raw_dispatch_pro.jobs__custom_fields "
            r"where nullif(regexp_replace(value, '^[\s\p{Z}\x{FEFF}]+|[\s\p{Z}\x{FEFF}]+$', '', 'g'), '') "
            "is not null"
        ).fetchone()[0]
        staged = con.execute(
            "select count(*) from staging.stg_dispatch_pro__jobs__custom_fields "
            "where custom_field_value is not null"
        ).fetchone()[0]
        assert raw > 0 and staged == raw
        cases = con.execute('select count(*) from salesforce."Case"').fetchone()[0]
        jobs = con.execute("select count(*) from raw_dispatch_pro.jobs").fetchone()[0]
        held = con.execute(
            "select count(distinct source_key) from quarantine.quarantine_all where object_name = 'Case'"
        ).fetchone()[0]
        assert cases > 0 and cases + held == jobs
    finally:
        con.close()
