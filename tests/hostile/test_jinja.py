"""No source text reaches a place dbt renders as Jinja (issue 18, finding 1): a custom property named
``Promo {{ env_var('SOURCES__DISPATCH_PRO__CLIENT_SECRET','unset') }}`` goes through the seeds into the mart
contracts, and ``dbt parse`` keeps it as text: no secret in ``manifest.json``."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_DIR
from mapping.contracts import write_mart_properties
from tests.hostile import corpus

PICKLIST = ("Plain", corpus.JINJA_BLOCK, corpus.IMG)


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> tuple[Path, str]:
    """A copy of the dbt project with the hostile custom field seeded, its contracts written, parsed."""
    base = tmp_path_factory.mktemp("jinja")
    project = base / "dbt_project"
    shutil.copytree(PROJECT_DIR / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    seed = project / "seeds" / "custom_fields.csv"
    with seed.open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    row = {
        "source_entity": "job", "source_name": corpus.JINJA, "object": "Case", "api_name": "Promo__c",
        "label": corpus.JINJA[:40], "type": "Picklist", "length": "", "precision": "", "scale": "",
        "picklist_values": "|".join(PICKLIST),
        "description": f"proposed by dp2sf map propose: job custom property {corpus.JINJA}",
        "status": "approved",
    }  # fmt: skip
    with seed.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=header).writerow({k: row.get(k, "") for k in header})
    assert "models/marts/Case.yml" in write_mart_properties(project)
    env = {**os.environ, corpus.SECRET_ENV: corpus.SECRET, "SF_ACCESS_TOKEN": corpus.SECRET,
           "DP2SF_DUCKDB_PATH": str(base / "none.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", "parse", "--project-dir", str(project), "--profiles-dir",
         str(project), "--target-path", str(base / "target"), "--log-path", str(base / "logs")],
        capture_output=True, text=True, env=env, cwd=PROJECT_DIR, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return project, (base / "target" / "manifest.json").read_text(encoding="utf-8")


def test_the_secret_never_reaches_the_manifest(parsed) -> None:
    _, manifest = parsed
    assert corpus.SECRET not in manifest


def test_the_source_name_is_kept_as_text_in_the_column_description(parsed) -> None:
    _, manifest = parsed
    node = json.loads(manifest)["nodes"]["model.dp2sf.Case"]
    description = node["columns"]["Promo__c"]["description"]
    assert "env_var(" in description and corpus.SECRET not in description
    assert "{{" in description  # the name shows as the tenant typed it, braces and all


def test_the_picklist_values_reach_the_accepted_values_test_as_the_tenant_typed_them(parsed) -> None:
    from dbt.clients.jinja import get_rendered

    _, manifest = parsed
    nodes = json.loads(manifest)["nodes"].values()
    accepted = [
        n for n in nodes
        if n["resource_type"] == "test" and (n.get("column_name") or "").strip('"') == "Promo__c"
        and (n.get("test_metadata") or {}).get("name") == "accepted_values"
    ]  # fmt: skip
    assert len(accepted) == 1
    values = accepted[0]["test_metadata"]["kwargs"]["values"]
    context = {"env_var": lambda name, default=None: corpus.SECRET}  # as dbt renders them when the test runs
    assert [get_rendered(v, context) for v in values] == list(PICKLIST)
