"""``dp2sf map diff``: two git refs differing in ONE value-map row show exactly the records that row changes.

A temp git repo holds a copy of the mapping (``dbt_project/``, ``mapping/``, ``core/``);
the working tree adds one
row to ``map_job_status.csv`` (the fixture's unmapped status ``Teleported`` → ``Working``). Both sides are
built on copies of the same fixture raw DB (the user's DB is never written).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from core.settings import PROJECT_DIR, Settings
from mapping.map_diff import MapDiffError, run_map_diff
from reporting.review import render_map_diff
from tests.mapping.fixture_db import build_fixture_db, plant_unmapped_values

IGNORE = shutil.ignore_patterns("target", "logs", "__pycache__", ".user.yml", "dbt_packages")


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("map_diff")
    repo = root / "repo"
    for part in ("dbt_project", "mapping", "core"):
        shutil.copytree(PROJECT_DIR / part, repo / part, ignore=IGNORE)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.test", "commit", "-qm", "base mapping")
    settings = Settings(
        project_dir=repo, data_dir=root / "data", build_dir=root / "build", reports_dir=root / "reports"
    )
    plant_unmapped_values(build_fixture_db(settings.duckdb_path))  # a status no value map knows: Teleported
    return settings


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_one_value_map_row_changes_exactly_its_records(repo):
    seed = repo.project_dir / "dbt_project/seeds/map_job_status.csv"
    seed.write_text(seed.read_text() + "Teleported,Working,,a new status seen in the source,approved\n")
    with duckdb.connect(str(repo.duckdb_path), read_only=True) as con:
        teleported = {  # the jobs whose source status the new row maps, straight from the raw data
            f"job:{i}" for (i,) in con.execute(
                "select id from raw_dispatch_pro.jobs where job_status = 'Teleported'"
            ).fetchall()
        }  # fmt: skip
    assert teleported
    raw_before = _digest(repo.duckdb_path)

    result = run_map_diff(repo, base="main", run_id="diff-test")
    render_map_diff(result)

    assert _digest(repo.duckdb_path) == raw_before  # the user's DB is only read
    changes = result.examples_all
    assert set(changes["key"]) == teleported  # exactly the records that row changes ...
    assert set(changes["object"]) == {"Case"} and set(changes["field"]) == {"Status"}  # ... in that field
    assert set(changes["base_value"].isna()) == {True} and set(changes["head_value"]) == {"Working"}
    summary = result.summary.set_index("object")
    assert summary["added"].sum() == 0 and summary["removed"].sum() == 0
    assert summary.loc["Case", "changed"] == len(teleported)
    assert summary.drop(index="Case")["changed"].sum() == 0
    # the quarantine's change: the flagged unmapped status is gone for those records, nothing else moved
    assert set(result.flagged["change"]) == {"removed"}
    assert set(result.flagged["source_key"]) == teleported
    assert set(result.flagged["rule"]) == {"unmapped_value"}
    assert result.quarantine.empty
    # the report and its CSVs
    html = result.html.read_text()
    for section in (
        "Summary per object",
        "Fields changed",
        "Examples",
        "Quarantine change",
        "Flagged values",
    ):
        assert section in html
    assert "job:" in html and "Working" in html
    assert (result.out_dir / "map_diff" / "changes.csv").read_text().count("job:") == len(teleported)


def test_a_new_custom_field_row_shows_its_values_and_the_flag_it_clears(repo):
    """A proposed custom field (the planted "Serial Number" job property): the contracts are regenerated in
    the copy, the new field's values appear as changes, the no_target_field flag disappears."""
    _git(repo.project_dir, "checkout", "--", ".")
    seed = repo.project_dir / "dbt_project/seeds/custom_fields.csv"
    seed.write_text(
        seed.read_text()
        + "job,Serial Number,Case,Serial_Number__c,Serial Number,Text,255,,,,a new field,proposed\n"
    )
    result = run_map_diff(repo, base="main", run_id="diff-custom")
    changes = result.examples_all
    assert changes[["object", "key", "field", "head_value"]].values.tolist() == [
        ["Case", "job:1001", "Serial_Number__c", "SN-778"]
    ]
    assert changes["base_value"].isna().all()
    fields = result.fields.set_index(["object", "field"])
    assert fields.loc[("Case", "Serial_Number__c"), "note"] == "field added"
    assert result.flagged[["change", "source_key", "rule"]].values.tolist() == [
        ["removed", "job:1001", "no_target_field"]
    ]
    assert not (repo.project_dir / "dbt_project/models/marts/Case.yml").read_text().count("Serial_Number__c")


def test_an_unknown_ref_is_a_clear_error(repo):
    with pytest.raises(MapDiffError, match="cannot read git ref 'no-such-ref'"):
        run_map_diff(repo, base="no-such-ref")
