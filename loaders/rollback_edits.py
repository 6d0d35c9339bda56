"""The org's recent edits of one object for the rollback's conflict check: ONE Bulk API 2.0 query per object.

The rollback leaves alone a record someone else edited after our last write of it. Asking the org about the
run's records by id (200 ids per SOQL query) costs a REST call per 200 loaded records: ~70,000 at L. Every
write of ours the check compares with happened at or after the target run started, so a record edited after
our last write was modified after that start: one Bulk 2.0 query of the object's records modified since then
(``WHERE LastModifiedDate >= <start on the org's clock, a minute early>``) holds every edit the check could
flag. Its pages go to a DuckDB temp table and each page of the run's ledger rows looks its ids up there. The
API calls are a job, its polls and a results page per 50,000 records, per object. SOQL's dateTime literal is
``YYYY-MM-DDThh:mm:ssZ``, unquoted:
https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/api/sforce_api_calls_soql_select_dateformats.htm
(the sandbox's SOQL grammar takes the same, REST and Bulk alike). A Bulk 2.0 query job consumes no batches;
an org allows 10,000 query jobs a rolling 24 hours:
https://developer.salesforce.com/docs/atlas.en-us.228.0.api_bulk_v2.meta/api_bulk_v2/bulk_api_2_limits.htm
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from core.org_api import OrgClient
from loaders.bulk import insert_query_pages, query_to_csv

MARGIN = timedelta(minutes=1)  # below the run's start on the org's clock (skew estimate, second truncation)
TABLE = "_rollback_org_edits"


def since_literal(start: datetime) -> str:
    """The SOQL dateTime literal a minute before ``start`` (naive UTC), to the second."""
    return (start - MARGIN).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class OrgEdits:
    """``obj``'s records modified in the org since a moment, in a DuckDB temp table keyed by 15-char id."""

    def __init__(self, con: duckdb.DuckDBPyConnection, org: OrgClient, work: Path):
        self.con, self.org, self.work = con, org, work
        self.object: str | None = None

    def load(self, obj: str, since: datetime) -> None:
        """Query ``obj``'s records with ``LastModifiedDate`` at or after ``since`` (the org's clock); a
        ContentVersion's ContentDocumentId comes along (the rollback deletes the document)."""
        doc = "ContentDocumentId" if obj == "ContentVersion" else "NULL"
        extra = ", ContentDocumentId" if obj == "ContentVersion" else ""
        soql = (
            f"SELECT Id, LastModifiedDate, LastModifiedById{extra} "
            f"FROM {obj} WHERE LastModifiedDate >= {since_literal(since)}"
        )
        pages = query_to_csv(self.org, soql, self.work / "edits" / obj)
        self.con.execute(
            f"create or replace temp table {TABLE} "
            "(id15 varchar, last_modified varchar, by_id varchar, doc_id varchar)"
        )
        insert_query_pages(
            self.con,
            pages,
            f"insert into {TABLE} select left(Id, 15), LastModifiedDate, LastModifiedById, {doc} "
            "from read_csv(?, header = true, all_varchar = true)",
        )
        self.object = obj

    def of(self, ids: list[str]) -> dict[str, dict]:
        """The edits among ``ids`` by 15-char id, as the REST query returned them (Id, LastModifiedDate,
        LastModifiedById)."""
        rows = self.con.execute(
            f"select id15, last_modified, by_id from {TABLE} where id15 in (select left(unnest(?), 15))",
            [ids],
        ).fetchall()
        return {i: {"Id": i, "LastModifiedDate": m, "LastModifiedById": b} for i, m, b in rows}

    def documents(self, ids: list[str]) -> dict[str, str]:
        """The ContentDocumentId of each ContentVersion among ``ids`` the query returned, by 15-char id."""
        return dict(
            self.con.execute(
                f"select id15, doc_id from {TABLE} where doc_id is not null "
                "and id15 in (select left(unnest(?), 15))",
                [ids],
            ).fetchall()
        )

    def drop(self) -> None:
        self.con.execute(f"drop table if exists {TABLE}")
        self.object = None
