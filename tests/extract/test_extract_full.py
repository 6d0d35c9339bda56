"""Full and incremental extract of the tiny simulator over real HTTP: counts, files, requests, merges."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from dlt.common.pendulum import pendulum
from dlt.sources.helpers.rest_client import RESTClient
from extract_support import DATASET, NOT_TABLES, Sim, query, sha256_of
from typer.testing import CliRunner

from dlt_pipelines.dispatch_pro import AuthError, ServiceTitanAuth, make_session
from dlt_pipelines.pipeline import ExtractSummary, run_extract

EXPORT_PAGE_SIZE = 50  # several pages per export endpoint at tiny scale


@pytest.fixture(scope="module")
def loaded(sim: Sim, tmp_path_factory) -> tuple[Path, ExtractSummary]:
    """One full extract of the untouched simulator, with small export pages."""
    sim.admin("POST", "settings", json={"export_page_size": EXPORT_PAGE_SIZE})
    sim.admin("DELETE", "requests")
    data_dir = tmp_path_factory.mktemp("data_full")
    summary = run_extract(sim.settings(data_dir), full=True)
    return data_dir, summary


def test_full_extract_lands_the_generator_counts_in_every_raw_table(sim: Sim, loaded) -> None:
    _, summary = loaded
    expected = {k: v for k, v in sim.counts().items() if k not in NOT_TABLES}
    assert {k: summary.row_counts.get(k) for k in expected} == expected
    assert summary.records_extracted == sum(v for k, v in expected.items() if "__" not in k)
    assert summary.files_downloaded == expected["files"]


def test_signatures_are_stored_once_matched_by_file_name_else_listed(sim: Sim, loaded) -> None:
    """Each signature image: its job's attachment of the form's fileName, stored once as a signature; else
    the forms export; else a file_errors row with the reason. Never an id guessed from a file name."""
    data_dir, summary = loaded
    db = data_dir / "dp2sf.duckdb"
    counts = sim.counts()
    signatures = query(db, f"select source_id, job_id, file_name, size, submission_id from {DATASET}.files "
                           "where kind = 'signature'")  # fmt: skip
    assert len(signatures) == counts["signature_files"] > 0
    assert all(job and name and size > 0 and submission for _, job, name, size, submission in signatures)
    by_id = {r[0] for r in signatures if r[0].isdigit()}
    exported = [r for r in signatures if not r[0].isdigit()]
    assert exported and all(r[0].startswith("submission ") for r in exported), "the forms export's images"
    (twice,) = query(db, f"select count(*) from {DATASET}.files where kind = 'attachment' and source_id in "
                         f"(select source_id from {DATASET}.files where kind = 'signature')")[0]  # fmt: skip
    assert twice == 0 and by_id, "a signature image is not stored a second time as an attachment"
    listed = {str(r[0]) for r in query(db, f"select id from {DATASET}.job_attachments")}
    assert by_id <= listed, "each one is a listed job attachment"
    errors = query(db, f"select kind, job_id, file_name, error from {DATASET}.file_errors")
    assert len(errors) == summary.file_errors == counts["file_errors"] > 0
    for kind, job_id, file_name, error in errors:
        assert kind == "signature" and job_id is not None and file_name
        assert f"no attachment of job {job_id} is named" in error and "never guesses" in error
    assert not [r for r in sim.requests("/jobs/attachment/") if r["status"] != 200], "no guessed downloads"


def test_signature_facts_land_raw(sim: Sim, loaded) -> None:
    data_dir, _ = loaded
    rows = query(
        data_dir / "dp2sf.duckdb",
        f"select value, is_refused, refusal_reason from {DATASET}.form_submissions__units "
        "where type = 'Signature'",
    )
    assert len(rows) == sim.counts()["signatures"]
    refused = [r for r in rows if r[1]]
    assert len(refused) == sim.counts()["signatures_refused"] > 0 and all(r[2] for r in refused)
    assert all(r[0] for r in rows if not r[1]), "every signer"


def test_job_history_is_flattened_one_row_per_event(loaded) -> None:
    data_dir, _ = loaded
    db = data_dir / "dp2sf.duckdb"
    cols = {r[0] for r in query(db, f"describe {DATASET}.job_history")}
    assert {"job_id", "id", "employee_id", "event_type", "date", "used_scheduling_tool"} <= cols
    (dupes,) = query(db, f"select count(*) - count(distinct id) from {DATASET}.job_history")[0]
    assert dupes == 0


def test_files_are_content_addressed_and_match_their_sha256(loaded) -> None:
    data_dir, summary = loaded
    rows = query(
        data_dir / "dp2sf.duckdb", f"select kind, source_id, job_id, size, sha256, path from {DATASET}.files"
    )
    assert {r[0] for r in rows} == {"attachment", "signature"}
    assert any(r[3] == 0 for r in rows), "the zero-byte attachment is a valid row"
    assert max(r[3] for r in rows) > 25 * 2**20, "the >25 MB attachment came through"
    for kind, source_id, job_id, size, sha, rel in rows:
        blob = data_dir / "files" / rel
        assert rel == f"{sha[:2]}/{sha}"
        assert blob.stat().st_size == size, (kind, source_id)
        assert sha256_of(blob) == sha, (kind, source_id)
        assert job_id is not None


def test_the_source_sends_only_gets_and_one_token_request(sim: Sim, loaded) -> None:
    log = sim.requests()
    assert [r for r in log if r["method"] != "GET"] == [
        {"method": "POST", "path": "/connect/token", "query": "", "status": 200}
    ]
    assert all(r["status"] < 400 for r in log)
    assert len([r for r in log if "/export/jobs" in r["path"]]) == -(-200 // EXPORT_PAGE_SIZE)


def test_incremental_extract_asks_only_for_changed_pages_and_merges(sim: Sim, loaded) -> None:
    data_dir, _ = loaded
    db = data_dir / "dp2sf.duckdb"
    known = {r[0] for r in query(db, f"select source_id from {DATASET}.files")}
    change = sim.admin("POST", "changes", json={"entity": "jobs", "modify": 3, "create": 2})
    sim.admin("DELETE", "requests")

    summary = run_extract(sim.settings(data_dir))

    job_pages = sim.requests("/export/jobs")
    assert len(job_pages) == 1, job_pages
    assert "from=2000" not in job_pages[0]["query"], "the incremental run starts from the last modifiedOn"
    assert summary.row_counts["jobs"] == sim.counts()["jobs"] == 202
    history_pages = sim.requests("/export/job-history")
    assert len(history_pages) == 1 and "from=2000" not in history_pages[0]["query"], (
        "resumes from continueFrom"
    )
    now = sim.counts()
    assert {t: summary.row_counts[t] for t in ("job_history", "appointments", "jobs__custom_fields")} == {
        t: now[t] for t in ("job_history", "appointments", "jobs__custom_fields")
    }, "related exports merged without duplicates"
    (distinct,) = query(db, f"select count(distinct id) from {DATASET}.jobs")[0]
    assert distinct == 202
    changed = change["modified_ids"] + change["created_ids"]
    listed = {r["path"].split("/")[-2] for r in sim.requests("/attachments")}
    assert listed == {str(i) for i in changed}, "attachments are listed only for the changed jobs"
    downloads = {r["path"].rsplit("/", 1)[-1] for r in sim.requests("/jobs/attachment/")}
    assert not downloads & known, "files already in the store are not downloaded again"
    stamps = dict(
        query(db, f"select id, modified_on from {DATASET}.jobs where id in ({','.join(map(str, changed))})")
    )
    assert len(stamps) == 5 and len(set(stamps.values())) >= 1
    (latest,) = query(db, f"select max(modified_on) from {DATASET}.jobs")[0]
    assert latest in stamps.values()


def test_cli_extract_runs_incrementally(sim: Sim, loaded, monkeypatch) -> None:
    from workbench.cli import app

    data_dir, _ = loaded
    monkeypatch.setenv("DP2SF_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DP2SF_SANDBOX_DIR", str(sim.state_dir))
    result = CliRunner().invoke(app, ["extract"])
    assert result.exit_code == 0, result.output
    assert "extract done" in result.output and "incremental" in result.output
    assert sim.endpoints["client_secret"] not in result.output


def test_an_extract_without_files_lands_every_table_asking_for_no_file(sim: Sim, tmp_path, monkeypatch):
    """``dp2sf extract --full --no-files``: every table a full extract with files lands just after, row
    for row, but no attachment listed or fetched."""
    from workbench.cli import app

    monkeypatch.setenv("DP2SF_SANDBOX_DIR", str(sim.state_dir))
    counts = {}
    for name, args in (("without", ["--no-files"]), ("with", [])):
        monkeypatch.setenv("DP2SF_DATA_DIR", str(tmp_path / name))
        sim.admin("DELETE", "requests")
        result = CliRunner().invoke(app, ["extract", "--full", *args])
        assert result.exit_code == 0, result.output
        if name == "without":
            assert "0 files downloaded" in result.output
            assert sim.requests("/attachment") == []  # neither a job's listing nor a download
        counts[name] = run_counts(tmp_path / name / "dp2sf.duckdb")
    files = {"job_attachments", "files", "file_errors"}
    assert files & set(counts["with"]) and not files & set(counts["without"])
    assert counts["without"] == {t: n for t, n in counts["with"].items() if t not in files}


def run_counts(db: Path) -> dict[str, int]:
    """Rows per raw table (dlt's own tables aside)."""
    listed = f"select table_name from information_schema.tables where table_schema = '{DATASET}'"
    tables = [t for (t,) in query(db, listed) if not t.startswith("_dlt")]
    return {t: query(db, f'select count(*) from {DATASET}."{t}"')[0][0] for t in tables}


def test_auth_shares_one_token_and_refreshes_before_expiry(sim: Sim) -> None:
    ep = sim.endpoints
    session = make_session(10.0, 3, 0.1, 1.0)
    auth = ServiceTitanAuth(
        access_token_url=ep["token_url"],
        client_id=ep["client_id"],
        client_secret=ep["client_secret"],
        session=session,
    )
    client = RESTClient(
        base_url=ep["base_url"], headers={"ST-App-Key": ep["app_key"]}, auth=auth, session=session
    )
    sim.admin("DELETE", "requests")
    for _ in range(3):
        assert client.get("/jpm/v2/tenant/1000/job-types").status_code == 200
    assert len(sim.requests("/connect/token")) == 1
    assert 830 <= (auth.token_expiry - pendulum.now()).total_seconds() <= 840, (
        "refresh a minute before expiry"
    )
    sim.admin("POST", "settings", json={"token_lifetime_s": 2})
    try:
        auth.obtain_token()  # a 2 s token: refreshed at 1.5 s, before the server would reject it
        time.sleep(1.6)
        assert client.get("/jpm/v2/tenant/1000/job-types").status_code == 200
    finally:
        sim.admin("POST", "settings", json={"token_lifetime_s": 900})
    assert len(sim.requests("/connect/token")) == 3
    assert not [r for r in sim.requests() if r["status"] == 401]


def test_wrong_credentials_fail_clearly_without_the_secret(sim: Sim) -> None:
    ep = sim.endpoints
    auth = ServiceTitanAuth(
        access_token_url=ep["token_url"],
        client_id=ep["client_id"],
        client_secret="wrong-secret-value",
        session=make_session(10.0, 2, 0.1, 1.0),
    )
    with pytest.raises(AuthError) as failure:
        auth.obtain_token()
    assert "refused with HTTP 400" in str(failure.value) and "wrong-secret-value" not in str(failure.value)


def test_full_extract_starts_over_on_an_existing_dataset(sim: Sim, loaded) -> None:
    data_dir, _ = loaded
    sim.admin("DELETE", "requests")
    sim.admin("POST", "exports")  # a fresh Dispatch Pro export, as of the changes earlier tests made
    summary = run_extract(sim.settings(data_dir), full=True)
    expected = {k: v for k, v in sim.counts().items() if k not in NOT_TABLES}
    assert {k: summary.row_counts.get(k) for k in expected} == expected
    assert summary.records_extracted == sum(v for k, v in expected.items() if "__" not in k)
    assert any("from=2000-01-01" in r["query"] for r in sim.requests("/export/jobs")), "state was dropped"
    (loads,) = query(data_dir / "dp2sf.duckdb", f"select count(*) from {DATASET}._dlt_loads")[0]
    assert loads == 2, "the raw dataset was dropped before the full run (one load of tables, one of files)"
