"""The sample's field-level diff: every mapped field of every sampled record, read back from the org by SOQL.

For each object of the load plan and each record of its mart (keyed on ``Dispatch_Pro_Id__c``), every field
the loader sends is read back and compared with the value the mapping intended (the mart) and the source
value (``loaders.sample_source``, through ``build/lineage.csv``). Each field gets one finding:

- ``equal``: the org holds the intended value (numbers, dates, checkboxes normalised as reconcile does).
  Not blocking.
- ``mismatch``: both set and different, and none of the cases below. Blocking.
- ``truncated``: the org holds a prefix of the intended text, or refused it with ``STRING_TOO_LONG``.
  Blocking.
- ``picklist_gap``: the intended value is not an active value of the org's picklist (its describe), or the
  org refused it (``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``). Blocking.
- ``unresolved_lookup``: a lookup the mart sets is empty (or refused) in the org. Blocking, except owners
  and users matched by email (``OwnerId``, ``User__c``): the loader's documented fallback applied and each
  decision is in ``ledger.resolutions``.
- ``changed_by_org``: the mapping leaves the field empty and the org filled it (a default, automation).
  Not blocking.
- ``missing_record``: the record is not in the org (one finding per record, on ``Dispatch_Pro_Id__c``).
  Blocking when the load failed it or it vanished; not blocking when it was held back with a reason
  (quarantine, gates), which the quarantine and gates reports list.

Anchored on the source (issue 17): the source value is read from raw through the lineage of today's build
AND of the approved mapping (``ledger.approved_lineage``), so a model that nulls a column cannot hide it:

- ``dropped``: the source had a value, the org field is empty, and nothing flags or declares it. Blocking.
- ``flagged``: the source had a value the org does not hold, listed in ``quarantine.flagged_values``; the
  org value column shows its rule and reason. Blocking until a person decides (map it, declare it; or
  ``dp2sf map approve --accept-findings "reason"``).
- ``declared``: the source value has no target by a documented decision: a ``not_migrated`` row for the
  raw column, or a value map whose row for the value names no target. Not blocking.
- ``filtered``: a field that chooses among source rows (a derived field of several inputs: a contact method
  chosen by its type; a field fed by a table of several rows per record: a Case's appointments), or a
  record derived from a source row (``inline:note:7:1``, an image inside a note), is empty in the mart and
  the org though a row had a value. Not blocking: the per-field reconciliation finds each value on the
  record it belongs to, and a model that nulls the field loses its edges (``lost_edge``).
- ``lost_edge``: a lineage edge of the approved mapping is gone from today's ``build/lineage.csv`` (one
  finding per edge, external id ``(lineage)``). Blocking.
- ``proposed``: the value arrived through a seed row still ``proposed`` (``dp2sf map propose`` wrote it; a
  value map's row for the source value, or the custom field a proposed ``custom_fields`` row creates); the
  org value column names the row. Blocking: a person approves the row (or deletes it) before
  ``dp2sf map approve`` signs, which also refuses while any row is proposed.
- ``equal`` counts only fields where the source had a value; ``empty`` is empty in the source, the mart
  and the org; ``set_by_mapping`` is a value the mapping sets with no source value (a constant, a default
  of the mapping) that arrived as intended. Neither is blocking.

Blocking findings stop ``dp2sf map approve`` (issue 12a) unless accepted with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import Dp2sfError
from core.org_api import OrgClient
from core.quoting import soql_list, write_csv
from core.settings import Settings
from loaders.ledger import FINDING_COLUMNS, read_sample_findings, write_sample_findings
from loaders.plan import EXTERNAL_ID, MART_SCHEMA, LoadPlan
from loaders.reconcile import _norm, _org_value
from loaders.sample_source import SourceValues
from loaders.sample_verdict import SourceChecks, anchor, unplaced_flags

FINDINGS = (
    "equal",
    "mismatch",
    "truncated",
    "picklist_gap",
    "unresolved_lookup",
    "changed_by_org",
    "missing_record",
    "dropped",
    "flagged",
    "declared",
    "lost_edge",
    "filtered",
    "empty",
    "set_by_mapping",
    "proposed",
)
NOT_BLOCKING = {"equal", "changed_by_org", "declared", "filtered", "empty", "set_by_mapping"}
LINEAGE_KEY = "(lineage)"
# helper columns the loader turns into Salesforce fields (loaders/resolve.py send_shape)
RESOLVED = {
    "_owner_email": "OwnerId",
    "_user_email": "User__c",
    "_what_case_key": "WhatId",
    "_first_publish_case_key": "FirstPublishLocationId",
}
BY_EMAIL = {"OwnerId", "User__c"}  # resolved by email with a documented fallback: not blocking
SOQL_KEYS_PER_QUERY = 150
ERROR_FINDINGS = {
    "STRING_TOO_LONG": "truncated",
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": "picklist_gap",
    "INVALID_FIELD": "unresolved_lookup",  # Foreign key external ID: … not found
    "INVALID_CROSS_REFERENCE_KEY": "unresolved_lookup",
    "PARENT_NOT_LOADED": "unresolved_lookup",
}


class SampleDiffError(Dp2sfError):
    """The read-back or the diff could not run."""


@dataclass
class FieldSpec:
    """One field compared: the Salesforce field read back, the mart column holding the intended value."""

    field: str  # the name reported (the mart column, or the resolved Salesforce field)
    soql: str  # what SOQL selects
    column: str  # the mart column
    kind: str  # value | lookup | resolved


@dataclass
class ObjectReadBack:
    """The org's records of one object by external id, and the describe of its fields."""

    name: str
    specs: list[FieldSpec]
    records: dict[str, dict] = field(default_factory=dict)
    describe: dict[str, dict] = field(default_factory=dict)


def field_specs(columns: list[str]) -> list[FieldSpec]:
    """What the loader sends for a mart's columns, as fields to read back (mirrors ``send_shape``)."""
    specs = []
    for col in columns:
        if col == EXTERNAL_ID:
            continue
        if col in RESOLVED:
            sf = RESOLVED[col]
            specs.append(FieldSpec(sf, sf, col, "resolved"))
        elif not col.startswith("_"):
            specs.append(FieldSpec(col, col, col, "lookup" if col.endswith("." + EXTERNAL_ID) else "value"))
    return specs


def _chunks(items: list[str], n: int):
    for i in range(0, len(items), n):
        yield items[i : i + n]


def read_back(org: OrgClient, con: duckdb.DuckDBPyConnection, plan: LoadPlan) -> dict[str, ObjectReadBack]:
    """Every mapped field of every mart record, from the org by SOQL on ``Dispatch_Pro_Id__c``."""
    out: dict[str, ObjectReadBack] = {}
    for obj in plan.objects:
        specs = field_specs(obj.columns)
        rb = out[obj.name] = ObjectReadBack(obj.name, specs)
        describe = org.call(getattr(org.sf, obj.name).describe)
        rb.describe = {f["name"]: f for f in describe.get("fields", [])}
        keys = [
            r[0] for r in con.execute(f'select "{EXTERNAL_ID}" from {MART_SCHEMA}."{obj.name}"').fetchall()
        ]
        soql_fields = ", ".join(dict.fromkeys(["Id", EXTERNAL_ID, *[s.soql for s in specs]]))
        extra = " AND IsLatest = true" if obj.name == "ContentVersion" else ""
        for chunk in _chunks(sorted(k for k in keys if k), SOQL_KEYS_PER_QUERY):
            soql = f"SELECT {soql_fields} FROM {obj.name} WHERE {EXTERNAL_ID} IN ({soql_list(chunk)}){extra}"
            for rec in org.query_iter(soql):
                rb.records[rec[EXTERNAL_ID]] = rec
    return out


def _id_maps(org: OrgClient, readback: dict[str, ObjectReadBack]) -> tuple[dict[str, str], dict[str, str]]:
    """User Id → email, and Case Id (15 and 18 characters) → external id, for resolved fields."""
    users = {
        r["Id"][:15]: (r.get("Email") or "").strip().lower()
        for r in org.query_iter("SELECT Id, Email FROM User")
    }
    cases = {
        rec["Id"][:15]: key for key, rec in readback.get("Case", ObjectReadBack("Case", [])).records.items()
    }
    return users, cases


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    return str(value)


def _picklist(describe_field: dict | None) -> set[str] | None:
    if not describe_field or describe_field.get("type") not in ("picklist", "multipicklist"):
        return None
    return {
        str(v.get("value")).lower()
        for v in describe_field.get("picklistValues") or []
        if v.get("active", True)
    }


def classify(
    spec: FieldSpec, intended, org_value, describe_field: dict | None, fallback_email: str | None = None
) -> str:
    """The finding for one field of one record present in the org."""
    a, b = _norm(intended), _norm(org_value)
    if describe_field and describe_field.get("type") == "boolean":
        a, b = a or "false", b or "false"  # a checkbox is never null in Salesforce
    if spec.kind in ("lookup", "resolved"):
        if a is None:
            return "equal" if b is None else "changed_by_org"
        if spec.field == "OwnerId" and b == fallback_email and a != fallback_email:
            return "unresolved_lookup"
        if b is None:
            return "unresolved_lookup"
        return "equal" if a.lower() == b.lower() or a == b else "mismatch"
    picklist = _picklist(describe_field)
    if picklist is not None and a is not None:
        values = a.split(";") if describe_field.get("type") == "multipicklist" else [a]
        if any(v.lower() not in picklist for v in values):
            return "picklist_gap"
    if a == b:
        return "equal"
    if a is None:
        return "changed_by_org"
    if b is not None and isinstance(intended, str) and len(b) < len(a) and a.startswith(b.rstrip()):
        return "truncated"
    return "mismatch"


def is_blocking(finding: str, field_name: str, outcome: str | None = None) -> bool:
    """Which findings stop an approval (see the module docstring)."""
    if finding in NOT_BLOCKING:
        return False
    if finding == "unresolved_lookup" and field_name in BY_EMAIL:
        return False
    if finding == "missing_record":
        return outcome not in ("QUARANTINED", "HELD_BY_GATES")
    return True


def _outcomes(con: duckdb.DuckDBPyConnection, run_id: str, obj: str) -> dict[str, tuple[str, str, str]]:
    """(action, error code, message) of each record of the load run (pass 1)."""
    rows = con.execute(
        "select source_key, action, error_code, error_message from ledger.run_outcomes "
        "where run_id = ? and object_name = ?",
        [run_id, obj],
    ).fetchall()
    return {k: (a, c, m) for k, a, c, m in rows}


def _names(spec: FieldSpec) -> set[str]:
    """The names Salesforce may give a field in an error: the field, or a lookup's field for its column."""
    names = {spec.field, spec.soql}
    if spec.kind == "lookup":
        rel = spec.soql.split(".")[0]
        names |= {rel, rel[:-3] + "__c" if rel.endswith("__r") else rel + "Id"}
    return names


def _error_field(message: str | None, specs: list[FieldSpec]) -> FieldSpec | None:
    """The field a Salesforce error names, when it is one of ours: the error's field list after the last
    colon (``…:AccountId``), or the message's first word (``Subject: data value too large…``); for a missing
    parent (``Foreign key external ID: … in entity Account``), the lookup to that object."""
    text = (message or "").strip()
    for name in (text.rsplit(":", 1)[-1].strip(" -"), text.split(":", 1)[0].strip()):
        for spec in specs:
            if name and name in _names(spec):
                return spec
    entity = re.search(r"in entity (\w+)", text)
    lookups = [s for s in specs if s.kind == "lookup"]
    if entity:
        for spec in lookups:
            if spec.soql.split(".")[0] in (entity.group(1), entity.group(1).replace("__c", "__r")):
                return spec
    return None


def diff_sample(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    org: OrgClient,
    plan: LoadPlan,
    run_id: str,
    readback: dict[str, ObjectReadBack],
    sources: SourceValues,
    checks: SourceChecks | None = None,
) -> pd.DataFrame:
    """Every field of every sampled record classified, with source, intended and org values; ``checks``
    (flags, declarations, value maps, lost edges) anchors the classes on the source."""
    fallback = settings.load_fallback_owner_email.strip().lower() or None
    users, cases = _id_maps(org, readback)
    checks = checks or SourceChecks.read(con, [], [])
    rows: list[tuple] = [
        (edge["object"], edge["field"], LINEAGE_KEY, "lost_edge",
         f"{edge['source_table']}.{edge['source_column']}", edge["transformation"],
         "edge of the approved mapping gone from build/lineage.csv", True)
        for edge in checks.lost
    ]  # fmt: skip
    for obj in plan.objects:
        rb = readback[obj.name]
        cur = con.execute(f'select * from {MART_SCHEMA}."{obj.name}"')
        names = [d[0] for d in cur.description]
        marts = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        keys = [m[EXTERNAL_ID] for m in marts if m.get(EXTERNAL_ID)]
        source = sources.values(obj.name, [s.column for s in rb.specs] + [EXTERNAL_ID], keys)
        outcomes = _outcomes(con, run_id, obj.name)
        for mart in marts:
            key = mart.get(EXTERNAL_ID)
            if not key:
                continue
            rec = rb.records.get(key)
            if rec is None:
                action, code, message = outcomes.get(key, (None, None, None))
                org_text = (
                    f"{action}: {code}: {message}" if action else "not in the org and not in the load run"
                )
                rows.append(
                    (obj.name, EXTERNAL_ID, key, "missing_record", source.get((key, EXTERNAL_ID)), key,
                     org_text, is_blocking("missing_record", EXTERNAL_ID, code))
                )  # fmt: skip
                spec = _error_field(message, rb.specs) if action == "failed" else None
                if spec and code in ERROR_FINDINGS:
                    finding = ERROR_FINDINGS[code]
                    rows.append(
                        (obj.name, spec.field, key, finding, source.get((key, spec.column)),
                         _text(mart.get(spec.column)), f"{code}: {message}",
                         is_blocking(finding, spec.field))
                    )  # fmt: skip
                continue
            for spec in rb.specs:
                intended = mart.get(spec.column)
                org_value = _org_value(rec, spec.soql)
                if spec.field == "OwnerId":
                    if mart.get("_owner_fallback") or not intended:
                        intended = fallback
                    org_value = users.get(str(org_value or "")[:15], org_value)
                elif spec.field == "User__c":
                    org_value = users.get(str(org_value or "")[:15], org_value)
                elif spec.field in ("WhatId", "FirstPublishLocationId"):
                    org_value = cases.get(str(org_value or "")[:15], org_value)
                if spec.field in ("OwnerId", "User__c") and intended:
                    intended = str(intended).strip().lower()
                finding = classify(spec, intended, org_value, rb.describe.get(spec.soql), fallback)
                source_value = source.get((key, spec.column))
                finding, shown = anchor(
                    checks, obj.name, key, spec, finding, source_value, intended, org_value
                )
                rows.append(
                    (obj.name, spec.field, key, finding, source_value, _text(intended),
                     _text(org_value) if shown is None else shown, is_blocking(finding, spec.field))
                )  # fmt: skip
    compared = {(r[0], r[2], r[1]) for r in rows}
    rows += [
        (obj, column, key, "flagged", value, None, reason, True)
        for obj, key, column, value, reason in unplaced_flags(checks, compared)
    ]  # the unseeded custom property, a site's property with no record: listed, blocking
    frame = pd.DataFrame(rows, columns=FINDING_COLUMNS[1:])
    frame.insert(0, "run_id", run_id)
    return frame


def write_findings(duckdb_path: Path, run_id: str, findings: pd.DataFrame) -> None:
    """Replace this run's rows of ``ledger.sample_findings`` in the MAIN DuckDB (approval reads them)."""
    with duckdb.connect(str(duckdb_path)) as con:
        write_sample_findings(con, run_id, findings)


def write_csvs(out_dir: Path, findings: pd.DataFrame) -> dict[str, Path]:
    """``findings.csv`` (everything but equal fields), ``fields.csv`` (rates per object and field),
    ``objects.csv`` (rates per object) under ``reports/<run>/sample_diff/``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "findings": out_dir / "findings.csv",
        "fields": out_dir / "fields.csv",
        "objects": out_dir / "objects.csv",
    }
    write_csv(findings[findings["finding"] != "equal"], paths["findings"])
    write_csv(field_rates(findings), paths["fields"])
    write_csv(object_rates(findings), paths["objects"])
    return paths


def _rates(findings: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if findings.empty:
        return pd.DataFrame(columns=[*by, "compared", *FINDINGS, "blocking", "equal_rate"])
    table = findings.pivot_table(
        index=by, columns="finding", values="external_id", aggfunc="count", fill_value=0
    )
    table = table.reindex(columns=list(FINDINGS), fill_value=0)
    table.insert(0, "compared", table.sum(axis=1))
    table["blocking"] = findings.groupby(by)["blocking"].sum().reindex(table.index).fillna(0).astype(int)
    table["equal_rate"] = (table["equal"] / table["compared"]).round(4)
    table.columns.name = None
    return table.reset_index().sort_values(["equal_rate", *by]).reset_index(drop=True)


def field_rates(findings: pd.DataFrame) -> pd.DataFrame:
    """Per object and field: fields compared, each finding's count, blocking, share equal (worst first)."""
    return _rates(findings, ["object", "field"])


def object_rates(findings: pd.DataFrame) -> pd.DataFrame:
    """Per object: the same, over every field of every record."""
    return _rates(findings, ["object"])


def read_findings(duckdb_path: Path, run_id: str) -> pd.DataFrame:
    """A sample run's findings from the main DuckDB (read-only)."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        return read_sample_findings(con, run_id)


NOT_ARRIVED = ("dropped", "lost_edge", "flagged", "declared")


def not_arrived(findings: pd.DataFrame) -> pd.DataFrame:
    """Per class, object and field: source values that did not arrive (dropped, lost edge, flagged,
    declared), how many records, whether blocking, one example with its source value and reason."""
    cols = [
        "finding",
        "object",
        "field",
        "records",
        "blocking",
        "example_key",
        "source_value",
        "org_or_reason",
    ]
    part = findings[findings["finding"].isin(NOT_ARRIVED)]
    if part.empty:
        return pd.DataFrame(columns=cols)
    out = part.groupby(["finding", "object", "field"], as_index=False).agg(
        records=("external_id", "count"),
        blocking=("blocking", "any"),
        example_key=("external_id", "first"),
        source_value=("source_value", "first"),
        org_or_reason=("org_value", "first"),
    )
    order = {k: i for i, k in enumerate(NOT_ARRIVED)}
    return out.sort_values(
        ["finding", "object", "field"], key=lambda s: s.map(order) if s.name == "finding" else s
    )[cols].reset_index(drop=True)
