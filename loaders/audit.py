"""The original creation time of new records, where the org grants "Set Audit Fields upon Record Creation".

With that permission (an org preference, then a user permission) the API lets a client set ``CreatedDate``
when it creates a record, never on update, for Account, Case, CaseComment, Contact, ContentVersion, Event,
Task and every custom object, among others
(https://releasenotes.docs.salesforce.com/en-us/winter16/release-notes/rn_general_audit_fields_inactive_owners.htm).
The loader does not guess: it reads the object's describe, where the granted permission shows
``CreatedDate`` as createable (and not updateable, so the loader's create-only rule sends it on insert only
and leaves it empty on update). The source's creation time comes from the mart: a ``_created_date`` helper
column when the mart has one, else the field that already carries the source's creation time.
"""

from __future__ import annotations

HELPER = "_created_date"
# mart fields holding the source record's creation time (see dbt_project/seeds/salesforce_fields.csv)
SOURCE_CREATED = {
    "Case": "Source_Created_Date__c",
    "CaseComment": "Original_Created_Date__c",
    "Task": "Call_Started_At__c",  # the call's createdOn
    "Job_Status_History__c": "Changed_At__c",  # the transition is the history row's creation
}
BULK_DATETIME = "%Y-%m-%dT%H:%M:%S.%gZ"  # Bulk API 2.0 CSV dateTime (UTC, milliseconds)


def created_date_expr(obj: str, columns: list[str], create_only: set[str]) -> str | None:
    """The SQL (over mart alias ``m``) of the CreatedDate to send, or None when the org does not let us set
    it for ``obj`` or the mart has no source creation time. Empty when unknown (the org stamps it then)."""
    if "CreatedDate" not in create_only or "CreatedDate" in columns:
        return None
    column = HELPER if HELPER in columns else SOURCE_CREATED.get(obj)
    if not column or column not in columns:
        return None
    quoted = '"' + column.replace('"', '""') + '"'
    return f"coalesce(strftime(cast(m.{quoted} as timestamp), '{BULK_DATETIME}'), '')"
