"""Pieces of the source that need no server: paging, the page guard, export folders, clear config errors."""

from __future__ import annotations

import json
from pathlib import Path

import dlt
import pytest
import requests
from extract_support import query

from core.settings import get_settings
from dlt_pipelines.dispatch_pro import dispatch_pro_exports, signature_claims
from dlt_pipelines.dispatch_pro.exports import ExportFileError, read_export_records
from dlt_pipelines.dispatch_pro.guards import MalformedPageError, PageGuard
from dlt_pipelines.dispatch_pro.paginators import ExportPaginator
from dlt_pipelines.dispatch_pro.signatures import FilePlanner
from dlt_pipelines.pipeline import ExtractError, run_extract

URL = "http://127.0.0.1:1/jpm/v2/tenant/1000/export/jobs"


def _response(body: bytes, query: str, status: int = 200) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.url = f"{URL}?{query}"
    return response


def test_page_guard_names_endpoint_cursor_and_page_of_a_malformed_page() -> None:
    guard = PageGuard("/jpm/v2/tenant/1000/export/jobs")
    good = _response(b'{"hasMore": true, "continueFrom": "t1", "data": [{"id": 1}]}', "from=2000-01-01")
    guard(good)
    assert good.json()["data"] == [{"id": 1}]
    with pytest.raises(MalformedPageError) as failure:
        guard(_response(b'{"hasMore": true, "data": [{"id": 2}', "from=t1"))
    assert str(failure.value).startswith(
        "malformed response from /jpm/v2/tenant/1000/export/jobs (from=t1, page 2): invalid JSON"
    )
    with pytest.raises(MalformedPageError, match=r"page 2\): expected an object with a data\[\] list"):
        guard(_response(b"[1, 2]", "from=t1"))
    guard(_response(b"not json at all", "", status=429))  # errors are left to the retrying client


def test_export_paginator_follows_continue_from_and_refuses_a_page_without_it() -> None:
    paginator = ExportPaginator()
    request = requests.Request("GET", URL, params={"from": "2000-01-01"})
    paginator.update_state(_response(b'{"hasMore": true, "continueFrom": "t1", "data": []}', ""))
    paginator.update_request(request)
    assert paginator.has_next_page and request.params["from"] == "t1"
    paginator.update_state(_response(b'{"hasMore": false, "continueFrom": "t2", "data": []}', ""))
    assert not paginator.has_next_page and paginator.last_continue_from == "t2"
    with pytest.raises(ValueError, match="hasMore but carries no continueFrom"):
        paginator.update_state(_response(b'{"hasMore": true, "data": []}', ""))


def _planner(tmp_path: Path, exported: tuple[str, ...] = ()) -> FilePlanner:
    folder = tmp_path / "export"
    (folder / "signatures").mkdir(parents=True)
    for name in exported:
        (folder / "signatures" / name).write_bytes(b"\x89PNG fake")
    return FilePlanner(tenant="1000", exports_folder=str(folder))


def _submission(sid: int, job: int, attachment: dict) -> dict:
    return {
        "id": sid,
        "owners": [{"type": "Job", "id": job}],
        "units": [
            {"id": "text", "type": "Text", "attachments": []},
            {"id": "sig", "type": "Signature", "attachments": [attachment], "isRefused": False},
        ],
    }


def test_a_signature_is_the_job_attachment_of_its_file_name_stored_once(tmp_path: Path) -> None:
    """forms-v2's FormAttachment has fileName, createdFrom, originalFileName, thumbnail: no id."""
    planner = _planner(tmp_path, exported=("Sig_b.png",))
    planner.see_submission([_submission(7, 50000002, {"fileName": "Sig_a.png"})])
    planner.see_submission(_submission(8, 50000003, {"fileName": "Sig_b.png"}))
    planner.see_submission(_submission(9, 50000004, {"fileName": "230000009.png"}))
    listing = [
        {"id": 220000001, "job_id": 50000002, "file_name": "photo-1.jpg", "size": 10},
        {"id": 230000001, "job_id": 50000002, "file_name": "Sig_a.png", "size": 99},
        {"id": 220000002, "job_id": 50000004, "file_name": "photo-2.jpg", "size": 12},
    ]
    refs = {(r.kind, r.source_id): r for r in planner.refs(listing, known={})}
    signature = refs[("signature", "230000001")]
    assert signature.download_path == "forms/v2/tenant/1000/jobs/attachment/230000001"
    assert signature.expected_size == 99 and dict(signature.extra)["submission_id"] == 7
    assert ("attachment", "230000001") not in refs, "not a second time as an attachment"
    exported = refs[("signature", "submission 8 unit sig #0")]
    assert exported.local_source and exported.local_source.endswith("signatures/Sig_b.png")
    nowhere = refs[("signature", "submission 9 unit sig #0")]
    assert nowhere.download_path is None and "never guesses" in nowhere.problem
    assert "230000009.png" in nowhere.problem, "no id is guessed from the file name"
    assert {k[1] for k in refs if k[0] == "attachment"} == {"220000001", "220000002"}


def test_a_signature_stored_earlier_is_not_stored_again_as_an_attachment(tmp_path: Path) -> None:
    planner = _planner(tmp_path)
    listing = [{"id": 230000001, "job_id": 50000002, "file_name": "Sig_a.png", "size": 99}]
    assert planner.refs(listing, known={"signature:230000001": "ab" * 32}) == []


def test_signature_claims_use_an_id_when_the_tenant_gives_one(tmp_path: Path) -> None:
    submission = _submission(8, 50000003, {"id": 230000002, "fileName": "x.png"})
    (claim,) = signature_claims(submission)
    assert (claim.job_id, claim.file_name, claim.given_id) == (50000003, "x.png", 230000002)
    planner = _planner(tmp_path)
    planner.see_submission(submission)
    (ref,) = planner.refs([], known={})
    assert (ref.source_id, ref.problem) == ("230000002", None)
    assert ref.download_path == "forms/v2/tenant/1000/jobs/attachment/230000002"
    bad = _planner(tmp_path / "b")
    bad.see_submission(_submission(8, 50000003, {"id": "abc", "fileName": "x.png"}))
    (ref,) = bad.refs([], known={})
    assert ref.download_path is None and "not an integer id" in ref.problem


def test_a_refused_signature_claims_no_image() -> None:
    submission = _submission(10, 50000005, {"fileName": "x.png"})
    submission["units"][1].update(attachments=[], isRefused=True, refusalReason="Customer not present")
    assert list(signature_claims(submission)) == []


def test_playbooks_and_dashboards_load_from_an_export_folder(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    (folder / "dashboards").mkdir(parents=True)
    playbook = {
        "id": 1,
        "name": "Escalate",
        "conditions": [{"field": "priority"}],
        "actions": [{"type": "sms"}],
    }
    (folder / "playbooks.json").write_text(json.dumps({"data": [playbook, {"id": 2, "name": "Other"}]}))
    (folder / "dashboards" / "ops.json").write_text(
        json.dumps({"id": 9, "name": "Ops", "reports": [{"id": 1}]})
    )
    pipeline = dlt.pipeline(
        pipeline_name="exports_test",
        pipelines_dir=str(tmp_path / "state"),
        destination=dlt.destinations.duckdb(str(tmp_path / "x.duckdb")),
        dataset_name="raw_dispatch_pro",
    )
    pipeline.run(dispatch_pro_exports(folder, ("playbooks", "dashboards")))
    db = tmp_path / "x.duckdb"
    assert query(db, "select id, name from raw_dispatch_pro.playbooks order by id") == [
        (1, "Escalate"),
        (2, "Other"),
    ]
    assert query(db, "select count(*) from raw_dispatch_pro.playbooks__conditions") == [(1,)]
    joined = (
        "select d.id from raw_dispatch_pro.dashboards__reports r "
        "join raw_dispatch_pro.dashboards d on r._dlt_parent_id = d._dlt_id"
    )
    assert query(db, joined) == [(9,)]


def test_bad_export_files_are_named(tmp_path: Path) -> None:
    (tmp_path / "playbooks.json").write_text('[{"id": 1}, {"name": "no id"}]')
    with pytest.raises(
        ExportFileError, match=r"playbooks\.json: record 1 of playbooks is not an object with id"
    ):
        list(read_export_records(tmp_path, "playbooks"))
    (tmp_path / "playbooks.json").write_text("{oops")
    with pytest.raises(ExportFileError, match=r"playbooks\.json: not valid JSON"):
        list(read_export_records(tmp_path, "playbooks"))
    with pytest.raises(ExportFileError, match="does not exist"):
        list(read_export_records(tmp_path / "missing", "playbooks"))


def test_extract_without_a_running_simulator_says_how_to_start_it(tmp_path: Path) -> None:
    settings = get_settings(data_dir=tmp_path / "data", sandbox_dir=tmp_path / "sandbox")
    with pytest.raises(ExtractError, match=r"simulator is not running .*dp2sf sandbox up"):
        run_extract(settings)


def test_servicetitan_source_without_secrets_names_what_to_set(tmp_path: Path, monkeypatch) -> None:
    for var in ("CLIENT_ID", "CLIENT_SECRET", "APP_KEY", "TENANT"):
        monkeypatch.delenv(f"SOURCES__DISPATCH_PRO__{var}", raising=False)
    settings = get_settings(
        data_dir=tmp_path / "data", sandbox_dir=tmp_path / "sandbox", source="servicetitan"
    )
    with pytest.raises(ExtractError, match=r"not configured: set .*SOURCES__DISPATCH_PRO__CLIENT_ID"):
        run_extract(settings)


def test_exports_status_names_what_will_not_migrate(tmp_path: Path) -> None:
    from dlt_pipelines.dispatch_pro.exports import exports_status, read_export_batches

    none = exports_status(None)
    assert none.present == [] and set(none.missing) == {"job_dispatch_metadata", "playbooks", "dashboards"}
    assert "no exports folder is set" in none.warning() and "SLA" in none.warning()
    missing = exports_status(tmp_path / "nope")
    assert all("does not exist" in reason for reason in missing.missing.values())
    (tmp_path / "job_dispatch_metadata.jsonl").write_text('{"jobId": 1}\n\n{"jobId": 2}\n')
    (tmp_path / "playbooks").mkdir()
    (tmp_path / "playbooks" / "a.json").write_text('[{"id": 1}]')
    partial = exports_status(tmp_path)
    assert partial.present == ["job_dispatch_metadata", "playbooks"] and list(partial.missing) == [
        "dashboards"
    ]
    assert "dashboards" in partial.warning() and "playbooks:" not in partial.warning()
    batches = list(read_export_batches(tmp_path, "job_dispatch_metadata", size=1))
    assert batches == [[{"jobId": 1}], [{"jobId": 2}]]
    (tmp_path / "job_dispatch_metadata.jsonl").write_text('{"id": 1}\n')
    with pytest.raises(
        ExportFileError, match=r"record 0 of job_dispatch_metadata is not an object with jobId"
    ):
        list(read_export_batches(tmp_path, "job_dispatch_metadata"))
    (tmp_path / "job_dispatch_metadata.jsonl").write_text('{"jobId": 1}\n{oops\n')
    with pytest.raises(ExportFileError, match=r"line 2 is not valid JSON"):
        list(read_export_batches(tmp_path, "job_dispatch_metadata"))


def test_a_long_extract_prints_requests_and_files_as_it_goes() -> None:
    import time as _time

    from dlt_pipelines.dispatch_pro.pacing import ACTIVITY
    from dlt_pipelines.pipeline import request_progress

    said: list[str] = []
    with request_progress(said.append, period_s=0.05):
        ACTIVITY.requests += 120
        ACTIVITY.files_stored += 7
        ACTIVITY.files_failed += 2
        _time.sleep(0.2)
    assert said, "no progress line while the block ran"
    assert "120 API requests" in said[-1] and "7 files stored" in said[-1] and "2 not fetched" in said[-1]
