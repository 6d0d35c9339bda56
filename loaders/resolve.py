"""What the Bulk API cannot resolve by itself: owners and users by email, polymorphic WhatId, the Pricebook.

``OwnerId`` comes from ``_owner_email`` matched (lower/trim) to the org's active Users, the fallback owner
when nothing matches or ``_owner_fallback`` is set; ``User__c`` from ``_user_email`` (null when unmatched: a
skill is never pinned on the fallback user). ``WhatId`` (Event, Task: the Case, else the Account), ``WhoId``
(Task: the Contact) and ``FirstPublishLocationId`` (ContentVersion) take the Salesforce id of the parent the
ledger loaded. ``Pricebook2Id`` is the org's standard Pricebook2. ``RecordTypeId`` comes from
``_record_type`` (a developer name, seed ``map_record_type``) on objects where the org has active record
types. Every owner, user and record type decision is written to ``ledger.resolutions``.

Person Accounts (issue 20 §3; marts built with ``person_accounts``): an Account row with ``_person_account``
gets the org's person record type when the seed maps none (``SELECT Id FROM RecordType WHERE SobjectType =
'Account' AND IsPersonType = true``, as integrators find it:
https://fuseit.atlassian.net/wiki/spaces/send2crm/pages/3088384002/Person+Accounts) and no ``Name`` (the org
names a person account from FirstName and LastName: "Use the First Name and Last Name fields, rather than
Account Name", same page); a WhoId to a residential customer's Contact is its Person Account's
``PersonContactId`` (read from the org once the Accounts are loaded: "the ID of the corresponding person
contact record is stored in the PersonContactId field on the person account",
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_guidelines_personaccounts.htm).
Relationship columns to Contact (``Contact.Dispatch_Pro_Id__c``) need nothing: the Account's
``Dispatch_Pro_Id__pc`` is its person Contact's ``Dispatch_Pro_Id__c``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from core.errors import Dp2sfError
from core.fields import person_only
from core.org_api import OrgClient
from core.quoting import sql_ident, sql_literal
from loaders.ledger import Ledger, insert_rows
from loaders.plan import EXTERNAL_ID, MART_SCHEMA

# helper column -> (the lookup field written, the parent object whose ledger id it takes); the order is the
# precedence of a polymorphic field: a Task's WhatId is its job's Case, else its customer's Account
PARENT_KEY_COLUMNS = {
    "_what_case_key": ("WhatId", "Case"),
    "_what_account_key": ("WhatId", "Account"),
    "_who_contact_key": ("WhoId", "Contact"),
    "_first_publish_case_key": ("FirstPublishLocationId", "Case"),
}


class ResolveError(Dp2sfError):
    """The org lacks something the load needs (the fallback owner, the standard Pricebook)."""


def normalise_email(value: str | None) -> str:
    return (value or "").strip().lower()


@dataclass
class OrgContext:
    """What the loader read from the org once per run."""

    fallback_owner_id: str
    standard_pricebook_id: str | None
    users: int
    record_type_objects: frozenset[str] = frozenset()  # objects with active record types in the org
    person_record_type_id: str | None = None  # marts built with Person Accounts: the org's person type


def read_person_record_type(org: OrgClient) -> str:
    """The org's active person record type of Account (``PersonAccount`` first, as Salesforce provides it);
    :class:`ResolveError` when the org has none (Person Accounts not enabled)."""
    try:
        found = list(
            org.query_iter(
                "SELECT Id, DeveloperName FROM RecordType WHERE SobjectType = 'Account' "
                "AND IsPersonType = true AND IsActive = true"
            )
        )
    except Exception as exc:  # noqa: BLE001 - a plain org refuses IsPersonType (no such field)
        found, cause = [], f" ({type(exc).__name__})"
    else:
        cause = ""
    if not found:
        raise ResolveError(
            "the marts were built with residential customers as Person Accounts, but the org has no active "
            f"person record type of Account{cause}: enable Person Accounts in the org, or build the plain "
            "shape (DP2SF_PERSON_ACCOUNTS=false, then `dp2sf transform`)"
        )
    found.sort(key=lambda r: (r["DeveloperName"] != "PersonAccount", r["DeveloperName"]))
    return found[0]["Id"]


def read_person_contacts(
    org: OrgClient, con: duckdb.DuckDBPyConnection, table: str = "ledger.work_person_contacts"
) -> int:
    """``table`` (source_key, sf_id): each loaded Person Account's key → its ``PersonContactId``."""
    rows = [
        (r[EXTERNAL_ID], r["PersonContactId"])
        for r in org.query_iter(
            f"SELECT {EXTERNAL_ID}, PersonContactId FROM Account WHERE IsPersonAccount = true "
            f"AND {EXTERNAL_ID} != null"
        )
        if r.get("PersonContactId")
    ]
    temp = "temp " if "." not in table else ""
    con.execute(f"create or replace {temp}table {table} (source_key varchar, sf_id varchar)")
    insert_rows(con, table, [pa.string(), pa.string()], rows)
    return len(rows)


def read_org_context(
    org: OrgClient, con: duckdb.DuckDBPyConnection, fallback_email: str, person_accounts: bool = False
) -> OrgContext:
    """Active Users into ``ledger.work_users`` (normalised email → Id); the fallback owner; the Pricebook;
    with ``person_accounts`` (the build stamp), the org's person record type."""
    users: dict[str, str] = {}
    for rec in org.query_iter("SELECT Id, Email FROM User WHERE IsActive = true"):
        email = normalise_email(rec.get("Email"))
        if email and email not in users:
            users[email] = rec["Id"]
    con.execute("create or replace table ledger.work_users (email varchar, id varchar)")
    if users:
        con.executemany("insert into ledger.work_users values (?, ?)", list(users.items()))
    fallback = users.get(normalise_email(fallback_email))
    if fallback is None:
        raise ResolveError(
            f"the fallback owner {fallback_email!r} is not an active User of the org; set "
            "DP2SF_LOAD_FALLBACK_OWNER_EMAIL to an active user's email"
        )
    pricebook = next(org.query_iter("SELECT Id FROM Pricebook2 WHERE IsStandard = true LIMIT 1"), None)
    # record types by developer name (issue 20): a mart's _record_type becomes RecordTypeId
    types = [
        (r["SobjectType"], r["DeveloperName"], r["Id"])
        for r in org.query_iter("SELECT Id, SobjectType, DeveloperName FROM RecordType WHERE IsActive = true")
    ]
    con.execute(
        "create or replace table ledger.work_record_types "
        "(object_name varchar, developer_name varchar, id varchar)"
    )
    if types:
        con.executemany("insert into ledger.work_record_types values (?, ?, ?)", types)
    objects = frozenset(t[0] for t in types)
    person = read_person_record_type(org) if person_accounts else None
    return OrgContext(fallback, pricebook["Id"] if pricebook else None, len(users), objects, person)


def _record_type_join(obj: str) -> str:
    return (
        "left join ledger.work_record_types as rt "
        f"on rt.object_name = {sql_literal(obj)} and rt.developer_name = m._record_type"
    )


def _person_cell(obj: str, col: str) -> str:
    """A cell of a marts-with-Person-Accounts row: a person account sends no Name (the org names it
    "First Last"), a business account no person field; empty, so the org leaves it as it is (``#N/A``
    would clear it)."""
    ref = f"m.{sql_ident(col)}"
    if col == "Name":
        return f"case when coalesce(m._person_account, false) then '' else {ref} end"
    if person_only(obj, col):
        return f"case when coalesce(m._person_account, false) then cast({ref} as varchar) else '' end"
    return ref


def _record_type_expr(ctx: OrgContext, person: bool) -> str:
    """The mapped record type; a Person Account with none mapped gets the org's person record type."""
    if not person:
        return "rt.id"
    return f"coalesce(rt.id, case when m._person_account then {sql_literal(ctx.person_record_type_id)} end)"


@dataclass
class SendShape:
    """The select list (Salesforce columns) and joins that turn a mart row into the CSV row sent."""

    header: list[str]
    exprs: list[str]
    joins: list[str]
    unresolved_parent_sql: str | None  # (source_key, message) of rows whose Case has no Salesforce id


def send_shape(obj: str, columns: list[str], ctx: OrgContext, ledger: Ledger) -> SendShape:
    header, exprs, joins = [], [], []
    unresolved: list[str] = []
    person = ctx.person_record_type_id is not None and "_person_account" in columns
    for col in columns:
        if not col.startswith("_"):
            header.append(col)
            exprs.append(_person_cell(obj, col) if person else f"m.{sql_ident(col)}")
    if "_owner_email" in columns:
        fallback = "coalesce(m._owner_fallback, false)" if "_owner_fallback" in columns else "false"
        header.append("OwnerId")
        exprs.append(
            f"case when {fallback} then '{ctx.fallback_owner_id}' "
            f"else coalesce(uo.id, '{ctx.fallback_owner_id}') end"
        )
        joins.append("left join ledger.work_users as uo on uo.email = lower(trim(m._owner_email))")
    if "_user_email" in columns:
        header.append("User__c")
        exprs.append("uu.id")
        joins.append("left join ledger.work_users as uu on uu.email = lower(trim(m._user_email))")
    by_field: dict[str, list[str]] = {}
    for n, (col, (field, parent)) in enumerate(PARENT_KEY_COLUMNS.items()):
        if col not in columns:
            continue
        alias = f"pk{n}"
        loaded = ledger.last_loaded_sql(parent)
        if parent == "Contact" and ctx.person_record_type_id is not None:  # or a Person Account's contact
            loaded = (
                f"select source_key, sf_id from ({loaded}) union all "
                "select source_key, sf_id from ledger.work_person_contacts"
            )
        join = f"left join ({loaded}) as {alias} on {alias}.source_key = m.{col}"
        joins.append(join)
        by_field.setdefault(field, []).append(f"{alias}.sf_id")
        unresolved.append(
            f"select m.{sql_ident(EXTERNAL_ID)} as source_key, 'the {parent} ' || m.{col} || "
            "' has no Salesforce id in the ledger (not loaded, quarantined or failed)' as message "
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m "
            f"{join} where m.{col} is not null and {alias}.sf_id is null"
        )
    for field, ids in by_field.items():  # a polymorphic lookup: the first parent the row names
        header.append(field)
        exprs.append(ids[0] if len(ids) == 1 else f"coalesce({', '.join(ids)})")
    if "_record_type" in columns and obj in ctx.record_type_objects:
        header.append("RecordTypeId")  # empty where no record type is mapped: the org's default applies
        exprs.append(_record_type_expr(ctx, person))
        joins.append(_record_type_join(obj))
    if "_pricebook" in columns:
        if ctx.standard_pricebook_id is None:
            raise ResolveError(f"{obj} needs the standard Pricebook2, which the org does not have")
        header.append("Pricebook2Id")
        exprs.append(f"case when m._pricebook = 'standard' then '{ctx.standard_pricebook_id}' end")
    return SendShape(header, exprs, joins, " union all ".join(unresolved) or None)


def resolution_sql(obj: str, columns: list[str], ctx: OrgContext) -> str | None:
    """(source_key, field, input, resolved_id, decision) for every owner/user decision of an object."""
    parts = []
    key = f"m.{sql_ident(EXTERNAL_ID)}"
    if "_owner_email" in columns:
        forced = "coalesce(m._owner_fallback, false)" if "_owner_fallback" in columns else "false"
        parts.append(
            f"select {key}, 'OwnerId', m._owner_email, "
            f"case when {forced} or uo.id is null then '{ctx.fallback_owner_id}' else uo.id end, "
            f"case when {forced} then 'fallback (no technician email)' when uo.id is null then "
            "'fallback (no active User with this email)' else 'matched' end "
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m "
            "left join ledger.work_users as uo on uo.email = lower(trim(m._owner_email))"
        )
    if "_user_email" in columns:
        parts.append(
            f"select {key}, 'User__c', m._user_email, uu.id, "
            "case when uu.id is null then 'unresolved (no active User with this email; left empty)' "
            "else 'matched' end "
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m "
            "left join ledger.work_users as uu on uu.email = lower(trim(m._user_email))"
        )
    if "_record_type" in columns and obj in ctx.record_type_objects:
        person = ctx.person_record_type_id is not None and "_person_account" in columns
        parts.append(
            f"select {key}, 'RecordTypeId', m._record_type, {_record_type_expr(ctx, person)}, "
            "case when m._record_type is null and "
            f"{'coalesce(m._person_account, false)' if person else 'false'} "
            "then 'person record type (Person Account, no record type mapped)' "
            "when m._record_type is null then 'default (no record type mapped)' "
            "when rt.id is null then 'unresolved (no active record type of this name; the default applies)' "
            "else 'matched' end "
            f"from {MART_SCHEMA}.{sql_ident(obj)} as m {_record_type_join(obj)}"
        )
    return " union all ".join(parts) or None
