"""A file insert is one transaction, as in Salesforce: the ContentVersion, the ContentDocument it creates and
the ContentDocumentLinks of a new document are all saved or none is (a DML statement that fails is rolled
back whole: "all changes are rolled back" when a transaction fails,
https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_transaction_control.htm; the
version, its document and the link to ``FirstPublishLocationId`` come from one insert:
https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentversion.htm).

``discard`` takes back what a failed insert wrote, straight in the store (no delete semantics, no fault
injection: a rollback cannot itself meet a row lock).
"""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.store import q


def discard(org: Any, doc_id: str | None, version_id: str | None, new_doc: bool) -> None:
    """Remove the version ``version_id`` and, for a new document, the document and its links; give back the
    storage they counted. Call with ``org.write_lock`` held."""
    removed = 0
    with org.store.transaction() as conn:
        if version_id:
            removed += conn.execute(f"DELETE FROM {q('ContentVersion')} WHERE Id = ?", (version_id,)).rowcount
        if new_doc and doc_id:
            removed += conn.execute(
                f"DELETE FROM {q('ContentDocumentLink')} WHERE ContentDocumentId = ?", (doc_id,)
            ).rowcount
            removed += conn.execute(f"DELETE FROM {q('ContentDocument')} WHERE Id = ?", (doc_id,)).rowcount
    if removed:
        org.limits.add("DataStorageRecords", -removed)
    if version_id:
        path = org.files_dir / version_id
        if path.exists():
            org.limits.add("FileBytes", -path.stat().st_size)
            path.unlink()
