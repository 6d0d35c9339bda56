"""Files reach the org as ContentVersions published to their Case, once, with checksums that agree."""

from __future__ import annotations

import hashlib

import duckdb

from loaders.load import run_load
from loaders.reconcile import run_reconcile
from tests.loader.helpers import org_client

OBJECTS = ["Account", "Contact", "Location__c", "Case", "ContentVersion"]


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
