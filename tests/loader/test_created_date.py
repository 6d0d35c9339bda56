"""New records keep the source's creation time where the org grants "Set Audit Fields upon Record Creation"
(the describe then shows CreatedDate createable); elsewhere the org stamps it and nothing fails."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from loaders.load import run_load
from tests.loader.helpers import org_client


def _ts(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)


def test_describe_shows_createddate_createable_only_when_the_org_grants_it(workspace, admin) -> None:
    org = org_client(workspace)

    def createable(obj: str) -> bool:
        fields = org.sf.restful(f"sobjects/{obj}/describe")["fields"]
        return next(f for f in fields if f["name"] == "CreatedDate")["createable"]

    assert not createable("Case")
    admin.settings(audit_fields_on_create=True)
    try:
        assert createable("Case") and createable("Job_Status_History__c")  # standard covered; custom
        assert not createable("Pricebook2")  # an object the permission does not cover
        fields = org.sf.restful("sobjects/Case/describe")["fields"]
        assert not next(f for f in fields if f["name"] == "CreatedDate")["updateable"]
    finally:
        admin.settings(audit_fields_on_create=False)


def test_new_records_keep_their_original_created_date_where_the_org_grants_it(workspace, admin) -> None:
    admin.settings(audit_fields_on_create=True)
    try:
        first = run_load(workspace, objects=["Account", "Contact", "Location__c", "Case", "CaseComment"])
        assert first.status == "completed" and not first.counts["Case"].get("failed")
        con = duckdb.connect(str(workspace.duckdb_path), read_only=True)
        try:
            source = dict(
                con.execute(
                    'select "Dispatch_Pro_Id__c", "Source_Created_Date__c" from salesforce."Case" '
                    'where "Source_Created_Date__c" is not null'
                ).fetchall()
            )
        finally:
            con.close()
        assert source
        org = org_client(workspace)
        cases = {
            r["Dispatch_Pro_Id__c"]: _ts(r["CreatedDate"])
            for r in org.query_iter("SELECT Dispatch_Pro_Id__c, CreatedDate FROM Case")
        }
        for key, created in source.items():
            want = created if created.tzinfo else created.replace(tzinfo=UTC)
            assert abs((cases[key] - want).total_seconds()) < 0.001, key  # the source's time, not now
        # an update never sends CreatedDate (the org refuses it on update): a resend updates cleanly
        again = run_load(workspace, objects=["Case"], resend=True)
        assert again.counts["Case"].get("updated") == first.counts["Case"]["created"]
        assert not again.counts["Case"].get("failed")
        after = {
            r["Dispatch_Pro_Id__c"]: _ts(r["CreatedDate"])
            for r in org.query_iter("SELECT Dispatch_Pro_Id__c, CreatedDate FROM Case")
        }
        assert after == cases
    finally:
        admin.settings(audit_fields_on_create=False)
