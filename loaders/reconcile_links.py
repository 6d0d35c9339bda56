"""Reconciliation of what plain field reads miss: the lookups the loader resolves itself and the files' links.

- **Lookups the Bulk API cannot resolve** (``WhatId``/``WhoId`` of Event and Task, polymorphic, and
  ``FirstPublishLocationId``): for every record the run loaded, the org's id equals the id the ledger holds
  for the parent the mart names (a Task's WhatId is its job's Case, else its customer's Account).
- **Files**: every ContentVersion the run counts as loaded is the latest version of a ContentDocument that is
  linked (ContentDocumentLink) to the record the source attached it to; a file without its link is not
  loaded (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_contentdocumentlink.htm).
"""

from __future__ import annotations

import duckdb

from core.org_api import OrgClient
from core.quoting import soql_list, sql_ident, sql_literal
from loaders.ledger import LOADED, Ledger
from loaders.plan import EXTERNAL_ID, MART_SCHEMA
from loaders.resolve import PARENT_KEY_COLUMNS

BATCH = 200


def resolved_fields(obj: str, columns: list[str]) -> list[str]:
    """The lookup fields of ``obj`` the loader resolves itself (a file's parent: through its link)."""
    if obj == "ContentVersion":
        return []
    return sorted({field for col, (field, _) in PARENT_KEY_COLUMNS.items() if col in columns})


def expected_parent_sql(
    ledger: Ledger, run_id: str, obj: str, columns: list[str], person_contacts: str | None = None
) -> dict[str, str]:
    """Per lookup field the loader resolves: SQL selecting (source_key, sf_id) for every record the run
    loaded, ``sf_id`` the parent's Salesforce id (null: empty); with ``person_contacts`` (a table of Person
    Account key → PersonContactId), a Contact parent may be a Person Account's person Contact (a residential
    customer's WhoId)."""
    by_field: dict[str, list[tuple[str, str]]] = {}
    for col, (field, parent) in PARENT_KEY_COLUMNS.items():
        if col in columns and not (obj == "ContentVersion" and field != "FirstPublishLocationId"):
            by_field.setdefault(field, []).append((col, parent))
    out: dict[str, str] = {}
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
        out[field] = (
            f"select m.{sql_ident(EXTERNAL_ID)} as source_key, coalesce({', '.join(ids)}, null) as sf_id "
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m {' '.join(joins)} "
            "inner join ledger.run_outcomes as o on o.source_key = m."
            + sql_ident(EXTERNAL_ID)
            + f" and o.run_id = {sql_literal(run_id)} and o.object_name = {sql_literal(obj)} "
            f"and o.action in {LOADED}"
        )
    return out


def lookup_mismatches(con: duckdb.DuckDBPyConnection, expected: dict[str, str], in_org: str) -> list[dict]:
    """Records whose resolved lookup in the org differs from the parent id the ledger holds: ``expected``
    from :func:`expected_parent_sql`, compared with ``in_org`` (source_key and each field, as the org's
    Bulk query of the object returned them; a record missing in the org is reported there, not here)."""
    out = []
    for field, sql in sorted(expected.items()):
        if field == "FirstPublishLocationId":  # a file's parent is checked through its link
            continue
        got = f"nullif(o.{sql_ident(field)}, '')"
        rows = con.execute(
            f"select e.source_key, e.sf_id, {got} from ({sql}) as e "
            f"inner join {in_org} as o on o.source_key = e.source_key "
            f"where coalesce(left(e.sf_id, 15), '') <> coalesce(left({got}, 15), '')"
        ).fetchall()
        out += [{"key": key, "field": field, "ledger": want, "org": got} for key, want, got in rows]
    return sorted(out, key=lambda m: (m["key"], m["field"]))


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
