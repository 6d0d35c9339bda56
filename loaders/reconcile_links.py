"""Reconciliation of what plain field reads miss: the lookups the loader resolves itself and the files' links.

- **Lookups the Bulk API cannot resolve** (``WhatId``/``WhoId`` of Event and Task, polymorphic, and
  ``FirstPublishLocationId``): for every record the run loaded, the org's id equals the id the ledger holds
  for the parent the mart names (a Task's WhatId is its job's Case, else its customer's Account).
- **Files**: every ContentVersion the run counts as loaded is the latest version of a ContentDocument that is
  linked (ContentDocumentLink) to the record the source attached it to; a file without its link is not
  loaded (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocumentlink.htm).
"""

from __future__ import annotations

from core.org_api import OrgClient
from core.quoting import soql_list, sql_ident, sql_literal
from loaders.ledger import LOADED, Ledger
from loaders.plan import EXTERNAL_ID, MART_SCHEMA
from loaders.resolve import PARENT_KEY_COLUMNS

BATCH = 200


def expected_parent_ids(
    con, ledger: Ledger, run_id: str, obj: str, columns: list[str], person_contacts: str | None = None
) -> dict:
    """Per lookup field the loader resolves: {source_key: the parent's Salesforce id (None: empty)}; with
    ``person_contacts`` (a table of Person Account key → PersonContactId), a Contact parent may be a Person
    Account's person Contact (a residential customer's WhoId)."""
    by_field: dict[str, list[tuple[str, str]]] = {}
    for col, (field, parent) in PARENT_KEY_COLUMNS.items():
        if col in columns and not (obj == "ContentVersion" and field != "FirstPublishLocationId"):
            by_field.setdefault(field, []).append((col, parent))
    out: dict[str, dict[str, str | None]] = {}
    for field, parents in by_field.items():
        joins, ids = [], []
        for n, (col, parent) in enumerate(parents):
            loaded = ledger.last_loaded_sql(parent)
            if parent == "Contact" and person_contacts:
                loaded = (
                    f"select source_key, sf_id from ({loaded}) union all "
                    f"select source_key, sf_id from {person_contacts}"
                )
            joins.append(f"left join ({loaded}) as p{n} on p{n}.source_key = m.{sql_ident(col)}")
            ids.append(f"p{n}.sf_id")
        rows = con.execute(
            f"select m.{sql_ident(EXTERNAL_ID)}, coalesce({', '.join(ids)}, null) "
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m {' '.join(joins)} "
            "inner join ledger.run_outcomes as o on o.source_key = m."
            + sql_ident(EXTERNAL_ID)
            + f" and o.run_id = {sql_literal(run_id)} and o.object_name = {sql_literal(obj)} "
            f"and o.action in {LOADED}"
        ).fetchall()
        out[field] = dict(rows)
    return out


def lookup_mismatches(org: OrgClient, obj: str, expected: dict[str, dict[str, str | None]]) -> list[dict]:
    """Records whose resolved lookup in the org differs from the parent id the ledger holds."""
    if not expected or obj == "ContentVersion":  # a file's parent is checked through its link
        return []
    fields = sorted(expected)
    keys = sorted({k for per in expected.values() for k in per})
    out = []
    for start in range(0, len(keys), BATCH):
        part = keys[start : start + BATCH]
        for rec in org.query_iter(
            f"SELECT {EXTERNAL_ID}, {', '.join(fields)} FROM {obj} WHERE {EXTERNAL_ID} IN ({soql_list(part)})"
        ):
            key = rec[EXTERNAL_ID]
            for f in fields:
                want, got = expected[f].get(key), rec.get(f)
                if (want or "")[:15] != (got or "")[:15]:
                    out.append({"key": key, "field": f, "ledger": want, "org": got})
    return out


def missing_file_links(org: OrgClient, expected: dict[str, str | None]) -> list[dict]:
    """Loaded files (source key -> the record id they belong to) whose document is not linked to it."""
    keys = sorted(expected)
    docs: dict[str, str] = {}
    for start in range(0, len(keys), BATCH):
        for rec in org.query_iter(
            f"SELECT {EXTERNAL_ID}, ContentDocumentId FROM ContentVersion WHERE IsLatest = true AND "
            f"{EXTERNAL_ID} IN ({soql_list(keys[start : start + BATCH])})"
        ):
            docs[rec[EXTERNAL_ID]] = rec["ContentDocumentId"]
    links: set[tuple[str, str]] = set()
    doc_ids = sorted(set(docs.values()))
    for start in range(0, len(doc_ids), BATCH):
        for rec in org.query_iter(
            "SELECT ContentDocumentId, LinkedEntityId FROM ContentDocumentLink WHERE ContentDocumentId IN "
            f"({soql_list(doc_ids[start : start + BATCH])})"
        ):
            links.add((rec["ContentDocumentId"][:15], (rec["LinkedEntityId"] or "")[:15]))
    out = []
    for key in keys:
        parent, doc = expected[key], docs.get(key)
        if doc is None:
            out.append({"key": key, "problem": "no ContentVersion in the org"})
        elif parent and (doc[:15], parent[:15]) not in links:
            out.append({"key": key, "problem": f"document {doc} not linked to {parent}"})
    return out
