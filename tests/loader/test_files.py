"""Files reach the org as ContentVersions published to their Case, once, with checksums that agree."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys

import duckdb
import pytest

from loaders.kill import KILL_AT_ENV
from loaders.load import run_load
from loaders.plan import EXTERNAL_ID
from loaders.reconcile import run_reconcile
from tests.loader.helpers import cli_env, org_client

RECORDS = ["Account", "Contact", "Location__c", "Case"]  # the records the files hang on
OBJECTS = [*RECORDS, "ContentVersion"]


def test_files_upload_once_published_to_their_case_and_read_back_equal(workspace) -> None:
    first = run_load(workspace, objects=OBJECTS)
    counts = first.counts["ContentVersion"]
    assert counts.get("created", 0) > 0 and first.sent["ContentVersion"] == counts["created"]
    con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
    try:
        key, case_key, local, sha = con.execute(
            'select m."Dispatch_Pro_Id__c", m._first_publish_case_key, m._local_path, m."Source_Sha256__c" '
            'from salesforce."ContentVersion" as m inner join ledger.operations as o '
            "on o.source_key = m.\"Dispatch_Pro_Id__c\" and o.action = 'created' "
            "where m._local_path is not null order by 1 limit 1"
        ).fetchall()[0]
        case_id = con.execute(
            "select sf_id from ledger.operations where object_name = 'Case' and source_key = ? "
            "and action = 'created'",
            [case_key],
        ).fetchall()[0][0]
    finally:
        con.close()
    org = org_client(workspace)
    version = next(
        org.query_iter(
            f"SELECT Id, ContentDocumentId, Checksum FROM ContentVersion WHERE Dispatch_Pro_Id__c = '{key}'"
        )
    )
    link = list(
        org.query_iter(
            "SELECT LinkedEntityId FROM ContentDocumentLink "
            f"WHERE ContentDocumentId = '{version['ContentDocumentId']}'"
        )
    )
    assert case_id[:15] in {x["LinkedEntityId"][:15] for x in link}
    data = (workspace.files_dir / local).read_bytes()
    assert version["Checksum"] == hashlib.md5(data).hexdigest() and hashlib.sha256(data).hexdigest() == sha

    again = run_load(workspace, objects=OBJECTS)  # never uploaded twice
    assert again.sent.get("ContentVersion", 0) == 0
    assert again.counts["ContentVersion"].get("unchanged", 0) == counts["created"]
    rec = run_reconcile(workspace, run_id=again.run_id)
    files = next(o for o in rec.objects if o.name == "ContentVersion")
    assert files.checksum_mismatches == [] and files.in_org == files.loaded and files.equation_holds


@pytest.mark.slow
def test_files_killed_before_their_chunk_is_recorded_resume_without_a_second_upload(workspace, admin) -> None:
    """kill -9 after the second chunk of files is uploaded and read back, before its links are checked and its
    outcomes written: the resume finds those files in the org by external id (the same Checksum), checks each
    one's link and records it created, uploading none of them again; one whose link was removed meanwhile is
    failed FILE_NOT_LINKED, naming its document and its Case."""
    ws = workspace.model_copy(update={"load_chunk_rows": 40})
    assert run_load(ws, objects=RECORDS).status == "completed"
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", "load", "--object", "ContentVersion"],
        env={**cli_env(ws), KILL_AT_ENV: "files-uploaded:ContentVersion:2"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    recorded = _files_ledger(ws)
    # the first chunk, and nothing of the second (the quarantined rows were recorded before the uploads)
    assert sum(1 for _, action, _, _ in recorded if action == "created") == 40
    org = org_client(ws)
    in_org = {
        r["Dispatch_Pro_Id__c"]: r
        for r in org.query_iter("SELECT Id, Dispatch_Pro_Id__c, ContentDocumentId FROM ContentVersion")
    }
    unrecorded = sorted(set(in_org) - {key for key, *_ in recorded})
    assert len(unrecorded) == 40  # the second chunk: in the org, unknown to the ledger
    cut = in_org[unrecorded[0]]
    case_links = [
        link
        for link in org.query_iter(
            "SELECT Id, LinkedEntityId FROM ContentDocumentLink "
            f"WHERE ContentDocumentId = '{cut['ContentDocumentId']}'"
        )
        if link["LinkedEntityId"].startswith("500")
    ]
    assert len(case_links) == 1
    org.sf.ContentDocumentLink.delete(case_links[0]["Id"])

    resumed = run_load(ws, resume=True, objects=["ContentVersion"])
    assert resumed.status == "completed"
    versions = [v["Dispatch_Pro_Id__c"] for v in org.query_iter(f"SELECT {EXTERNAL_ID} FROM ContentVersion")]
    assert len(versions) == len(set(versions))  # no file twice
    assert resumed.sent["ContentVersion"] == len(versions) - 80  # the killed chunks are never uploaded again
    outcomes = {key: (action, code, message) for key, action, code, message in _files_ledger(ws)}
    assert _mart_keys(ws, "ContentVersion") <= set(outcomes)  # every file has its one outcome
    action, code, message = outcomes.pop(unrecorded[0])
    assert (action, code) == ("failed", "FILE_NOT_LINKED")
    assert cut["ContentDocumentId"] in message and case_links[0]["LinkedEntityId"] in message
    created = {key for key, (action, _, _) in outcomes.items() if action == "created"}
    assert created == set(versions) - {unrecorded[0]}
    assert {code for action, code, _ in outcomes.values() if action != "created"} == {"QUARANTINED"}


def _files_ledger(settings) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(
            "select source_key, action, error_code, error_message from ledger.operations "
            "where object_name = 'ContentVersion'"
        ).fetchall()
    finally:
        con.close()


def _mart_keys(settings, obj: str) -> set[str]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return {k for (k,) in con.execute(f'select "Dispatch_Pro_Id__c" from salesforce."{obj}"').fetchall()}
    finally:
        con.close()
