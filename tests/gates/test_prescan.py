"""``dp2sf validate`` then ``dp2sf prescan`` (the CLI verbs) on a copy of the tiny tier: the pre-scan renders
with every section and finds the simulator's planted problems."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import duckdb
import pandas as pd

from expectations.org import connect_target
from expectations.prescan import squash_email
from reporting.prescan import TITLES
from tests.build_cache import private_copy


def _dp2sf(settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DP2SF_SANDBOX_DIR": str(settings.sandbox_dir),
        "DP2SF_DATA_DIR": str(settings.data_dir),
        "DP2SF_BUILD_DIR": str(settings.build_dir),
        "DP2SF_REPORTS_DIR": str(settings.reports_dir),
        "DP2SF_GX_PROJECT_DIR": str(settings.gx_project_dir),
        "COLUMNS": "200",
    }
    cmd = [sys.executable, "-m", "workbench", *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)


def test_prescan_renders_every_section_and_finds_the_planted_problems(built, tmp_path) -> None:
    settings = private_copy(built, tmp_path)
    gates = _dp2sf(settings, "validate", "--run", "cli-run")  # no suites yet: generated from the org
    assert gates.returncode == 0, gates.stdout[-2000:] + gates.stderr[-2000:]
    assert "suites regenerated from the org" in gates.stdout and "validate done" in gates.stdout
    assert (settings.reports_dir / "cli-run" / "data_docs" / "index.html").is_file()
    report = _dp2sf(settings, "prescan", "--run", "cli-run")
    assert report.returncode == 0, report.stdout[-2000:] + report.stderr[-2000:]
    out = settings.reports_dir / "cli-run"
    html = (out / "prescan.html").read_text()
    for title in TITLES.values():
        assert title.replace("'", "&#39;") in html or title in html, title
    assert len(re.findall(r"data:image/png;base64", html)) >= 3
    assert "<script src=" not in html and "def collect" not in html  # offline, code hidden
    csv = {name: pd.read_csv(out / "prescan" / f"{name}.csv", dtype=str) for name in TITLES}

    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        techs = con.execute("select cast(id as varchar), email from raw_dispatch_pro.technicians").fetchall()
        big = con.execute(
            "select cast(id as varchar) from raw_dispatch_pro.job_attachments where size > 26214400"
        ).fetchall()
        twins = con.execute(
            "select list(cast(id as varchar) order by id) from raw_dispatch_pro.customers "
            "group by lower(trim(name)), address__street, address__zip having count(*) > 1"
        ).fetchall()
        blank = con.execute(
            "select count(*) from raw_dispatch_pro.customers where address__street = '' "
            "or address__city = '' or address__zip = '' or address__state = ''"
        ).fetchone()[0]
    # technician emails against the org's Users, queried independently here
    sf = connect_target(settings)
    users = [
        r["Email"]
        for r in sf.query_all("SELECT Email FROM User WHERE IsActive = true")["records"]
        if r["Email"]
    ]
    owners = csv["owners"].set_index("technician_id")
    for tech_id, email in techs:
        want = (
            "exact"
            if email in users
            else "case_whitespace"
            if email and squash_email(email) in {squash_email(u) for u in users}
            else "none"
        )
        assert owners.loc[tech_id, "match"] == want, (tech_id, email)
        if want == "none":
            assert owners.loc[tech_id, "recommended_action"]
    assert {"exact", "case_whitespace", "none"} <= set(owners["match"])  # the simulator plants both problems
    # oversize files, duplicates, incomplete addresses
    assert big and {f"attachment:{b[0]}" for b in big} <= set(csv["oversize_files"]["file_key"])
    assert set(csv["oversize_files"]["job_number"].dropna())
    pairs = set(
        zip(csv["duplicates"]["keep_customer_id"], csv["duplicates"]["merge_customer_id"], strict=True)
    )
    assert twins and all((ids[0], other) in pairs for (ids,) in twins for other in ids[1:])
    assert blank > 0 and len(csv["incomplete_addresses"]) >= 1
    # storage and API usage against /limits, skew per bucket
    limits = csv["limits"].set_index("limit")
    assert {"DataStorageMB", "FileStorageMB", "DailyBulkApiBatches", "DailyApiRequests"} <= set(limits.index)
    assert float(limits.loc["DailyApiRequests", "org_max"]) > 0
    assert csv["placeholder_children"]["bucket"].str.startswith("placeholder:").all()
