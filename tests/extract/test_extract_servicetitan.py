"""``dp2sf extract`` as a customer runs it against ServiceTitan: the README's variables and nothing else.

The server is the simulator, which serves the paths of ServiceTitan's published v2 specs and answers 404 to
anything else (Dispatch Pro's own data is in the export folder it wrote, the shape a customer hands over).
The extract runs as a subprocess with a clean environment: ``DP2SF_SOURCE=servicetitan``, the
``SOURCES__DISPATCH_PRO__*`` variables of README "Real services" (base and token URL pointing at the
simulator), ``DP2SF_EXPORTS_DIR`` (or not), and ``DP2SF_DATA_DIR`` / ``DP2SF_BUILD_DIR`` for where things go.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from extract_support import DATASET, NOT_TABLES, Sim, query, tables

from dlt_pipelines.dispatch_pro.settings import EXPORT_FOLDER_TABLES, TABLES

PROJECT_DIR = Path(__file__).resolve().parents[2]
SPECS = PROJECT_DIR.parent / "shared" / "reference" / "servicetitan-openapi"
DP2SF = Path(sys.executable).parent / "dp2sf"


def _readme_env(sim: Sim, data_dir: Path, exports: Path | None) -> dict[str, str]:
    ep = sim.endpoints
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(data_dir),
        "DP2SF_SOURCE": "servicetitan",
        "SOURCES__DISPATCH_PRO__TENANT": ep["tenant"],
        "SOURCES__DISPATCH_PRO__CLIENT_ID": ep["client_id"],
        "SOURCES__DISPATCH_PRO__CLIENT_SECRET": ep["client_secret"],
        "SOURCES__DISPATCH_PRO__APP_KEY": ep["app_key"],
        "SOURCES__DISPATCH_PRO__BASE_URL": ep["base_url"],
        "SOURCES__DISPATCH_PRO__TOKEN_URL": ep["token_url"],
        "DP2SF_DATA_DIR": str(data_dir),
        "DP2SF_BUILD_DIR": str(data_dir / "build"),
        "DP2SF_SANDBOX_DIR": str(data_dir / "no-sandbox"),  # nothing from the sandbox's endpoints.json
    }
    if exports is not None:
        env["DP2SF_EXPORTS_DIR"] = str(exports)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DP2SF), *args], env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600
    )


def _spec_patterns() -> list[re.Pattern]:
    """Every GET path of the specs as a regex over the request path (server prefix included)."""
    patterns = []
    for path in SPECS.glob("*.json"):
        spec = json.loads(path.read_text())
        prefix = spec["servers"][0]["url"].split("api.servicetitan.io", 1)[1]  # /crm/v2 or /telecom
        for template, ops in spec["paths"].items():
            if "get" in ops:
                regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(prefix + template))
                patterns.append(re.compile(regex + "$"))
    return patterns


@pytest.fixture(scope="module")
def exports(sim: Sim) -> Path:
    """The export folder the simulator writes after start-up (in the background), once /health says so."""
    deadline = time.monotonic() + 60
    while not requests.get(f"{sim.endpoints['base_url']}/health", timeout=5).json()["exports_ready"]:
        assert time.monotonic() < deadline, "the simulator did not finish its export folder"
        time.sleep(0.2)
    folder = sim.state_dir / "dispatch_pro" / "exports"
    assert (folder / "manifest.json").is_file()
    return folder


def test_extract_with_only_the_readme_variables_lands_every_table(sim: Sim, exports: Path, tmp_path) -> None:
    sim.admin("DELETE", "requests")
    done = _run(["extract"], _readme_env(sim, tmp_path, exports))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "will NOT migrate" not in done.stdout + done.stderr

    db = tmp_path / "dp2sf.duckdb"
    landed = set(tables(db))
    assert set(TABLES) <= landed, f"missing raw tables: {set(TABLES) - landed}"
    expected = {k: v for k, v in sim.counts().items() if k not in NOT_TABLES}
    counts = {t: query(db, f'select count(*) from {DATASET}."{t}"')[0][0] for t in expected if t in landed}
    assert counts == expected
    for table in EXPORT_FOLDER_TABLES:  # read from the folder, through the same code as a real tenant's
        assert counts[table] > 0, table

    # the server saw only paths of the published specs, and none of them missed
    logged = sim.requests()
    assert logged and not [r for r in logged if r["status"] == 404]
    assert not [r for r in logged if "dispatch-pro" in r["path"]]
    if SPECS.is_dir():
        patterns = _spec_patterns()
        api = [r["path"] for r in logged if r["path"] != "/connect/token"]
        assert [p for p in api if not any(pt.match(p) for pt in patterns)] == []


def test_inactive_records_land_with_their_active_flag(sim: Sim, exports: Path, tmp_path) -> None:
    done = _run(["extract"], _readme_env(sim, tmp_path, exports))
    assert done.returncode == 0, done.stderr[-3000:]
    db = tmp_path / "dp2sf.duckdb"
    expected = sim.counts()
    for table in ("appointment_assignments", "customers", "locations", "technicians"):
        total, inactive = query(db, f"select count(*), count(*) filter (not active) from {DATASET}.{table}")[
            0
        ]
        assert total == expected[table] and inactive > 0, table
    # the assignments export defaults to active only: the source asked for Any
    asked = {r["query"] for r in sim.requests("/export/appointment-assignments")}
    assert asked and all("active=Any" in q for q in asked)


def test_without_the_export_folder_the_extract_warns_and_inventory_lists_what_is_missing(
    sim: Sim, tmp_path
) -> None:
    env = _readme_env(sim, tmp_path, None)
    done = _run(["extract"], env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    said = " ".join((done.stdout + done.stderr).split())
    assert "will NOT migrate" in said
    for table in EXPORT_FOLDER_TABLES:
        assert table in said
    landed = set(tables(tmp_path / "dp2sf.duckdb"))
    assert not landed & set(EXPORT_FOLDER_TABLES) and {"jobs", "calls", "reports"} <= landed

    inventory = _run(["inventory"], env)
    assert inventory.returncode == 0, inventory.stdout[-3000:] + inventory.stderr[-3000:]
    listed = (tmp_path / "build" / "inventory" / "not_migrated.csv").read_text().splitlines()
    assert listed[0] == "source_table,content,status,reason"
    rows = {line.split(",")[0]: line for line in listed[1:]}
    assert set(rows) == set(EXPORT_FOLDER_TABLES)
    assert all("not migrated" in row and "no exports folder configured" in row for row in rows.values())
    assert "not migrated" in inventory.stderr + inventory.stdout
