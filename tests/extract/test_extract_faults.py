"""Faults over real HTTP: retries and token refresh give the same raw data as a clean run; a malformed page
stops the extract with a clear message and leaves earlier loads intact."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from extract_support import DATASET, Sim, query, snapshot

from dlt_pipelines.pipeline import ExtractError, ExtractSummary, run_extract

FAULTS = [
    {"kind": "429", "count": 3, "retry_after": 1, "path_contains": "/export/"},
    {"kind": "429", "count": 1, "retry_after": 1, "path_contains": "/connect/token"},
    {"kind": "500", "count": 2, "path_contains": "/export/jobs"},
    {"kind": "500", "count": 1, "path_contains": "/jobs/attachment/"},
    {"kind": "slow", "seconds": 1.5, "count": 1, "path_contains": "/export/invoices"},
]


@pytest.fixture(scope="module")
def clean(sim: Sim, tmp_path_factory) -> tuple[Path, ExtractSummary]:
    """A clean full extract of the untouched simulator."""
    data_dir = tmp_path_factory.mktemp("clean")
    return data_dir, run_extract(sim.settings(data_dir), full=True)


def _expire_tokens_once_running(sim: Sim, done: threading.Event) -> None:
    """Invalidate every token after the extract has made a few API calls (a mid-run expiry)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not done.is_set():
        if len(sim.requests("/export/")) >= 6:
            sim.admin("POST", "faults", json={"kind": "expire_tokens"})
            return
        time.sleep(0.05)


def test_faults_end_with_the_same_raw_data_as_a_clean_run(sim: Sim, clean, tmp_path) -> None:
    _, clean_summary = clean
    sim.admin("DELETE", "requests")
    for fault in FAULTS:
        sim.admin("POST", "faults", json=fault)
    done = threading.Event()
    expirer = threading.Thread(target=_expire_tokens_once_running, args=(sim, done))
    expirer.start()
    try:
        faulted = run_extract(sim.settings(tmp_path / "faulted"), full=True)
    finally:
        done.set()
        expirer.join()

    statuses = Counter(r["status"] for r in sim.requests())
    assert statuses[429] >= 4 and statuses[500] >= 3 and statuses[401] >= 1, statuses
    assert len(sim.requests("/connect/token")) >= 3, "token refreshed after the 429 and after the expiry"
    assert sim.admin("GET", "faults")["faults"] == [], "every injected fault fired"
    assert faulted.row_counts == clean_summary.row_counts
    assert snapshot(faulted.duckdb_path) == snapshot(clean_summary.duckdb_path)


def test_malformed_page_fails_clearly_and_keeps_earlier_loads(sim: Sim, clean, tmp_path) -> None:
    clean_dir, first = clean
    data_dir = tmp_path / "data"
    shutil.copytree(clean_dir, data_dir)  # an earlier completed load
    settings = sim.settings(data_dir)
    db = settings.duckdb_path
    before = snapshot(db)
    change = sim.admin("POST", "changes", json={"entity": "jobs", "modify": 2})
    sim.admin("POST", "faults", json={"kind": "malformed", "path_contains": "/export/jobs", "count": 1})

    with pytest.raises(ExtractError) as failure:
        run_extract(settings)

    message = str(failure.value)
    assert "malformed response from /jpm/v2/tenant/1000/export/jobs" in message
    assert "from=" in message and "page 1" in message
    assert "Traceback" not in message and sim.endpoints["client_secret"] not in message
    assert snapshot(db) == before, "the failed run changed no raw table"

    recovered = run_extract(settings)
    assert recovered.row_counts["jobs"] == first.row_counts["jobs"]
    ids = ",".join(str(i) for i in change["modified_ids"])
    stamps = {s for (s,) in query(db, f"select modified_on from {DATASET}.jobs where id in ({ids})")}
    (latest,) = query(db, f"select max(modified_on) from {DATASET}.jobs")[0]
    assert latest in stamps, "the next run picked up the changes the failed run missed"


def test_a_download_cut_short_is_a_file_error_never_a_short_file(sim: Sim, clean, tmp_path) -> None:
    """Issue 22: a body cut mid-way (``cut``: declared Content-Length, connection dropped) and a body cut
    with a matching Content-Length (``malformed``: only the listing's size tells) both become file_errors
    rows; no stored file differs from its listed size; the next run stores them."""
    _, clean_summary = clean
    sim.admin("POST", "faults", json={"kind": "cut", "count": 2, "path_contains": "/jobs/attachment/"})
    sim.admin("POST", "faults", json={"kind": "malformed", "count": 1, "path_contains": "/jobs/attachment/"})
    settings = sim.settings(tmp_path / "cut")
    db = settings.duckdb_path

    faulted = run_extract(settings, full=True)

    assert sim.admin("GET", "faults")["faults"] == [], "every injected fault fired"
    errors = query(db, f"select kind, source_id, error from {DATASET}.file_errors")
    cut = [e for e in errors if "cut short" in e[2] or "where the attachment listing says" in e[2]]
    assert len(cut) == 3, errors
    assert faulted.files_downloaded == clean_summary.files_downloaded - 3
    wrong = query(
        db,
        f"select f.source_id, f.size, a.size from {DATASET}.files f join {DATASET}.job_attachments a "
        "on f.source_id = cast(a.id as varchar) where f.size <> a.size",
    )
    assert wrong == [], "no stored file is shorter (or longer) than its listing"
    (empty,) = query(db, f"select count(*) from {DATASET}.files where size = 0")[0]
    assert empty == len([a for a in sim_attachments(db) if a == 0]), "only files listed as empty are empty"

    again = run_extract(settings)
    assert again.files_downloaded == 3, "the next run fetches the files it could not store"
    keys = {(k, s) for k, s, _ in cut}
    stored = set(query(db, f"select kind, source_id from {DATASET}.files"))
    assert keys <= stored
    left = set(query(db, f"select kind, source_id from {DATASET}.file_errors"))
    assert not keys & left, "a file stored since is no longer listed as an error"


def sim_attachments(db: Path) -> list[int]:
    return [size for (size,) in query(db, f"select size from {DATASET}.job_attachments")]
