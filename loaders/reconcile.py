"""``dp2sf reconcile``: source vs quarantine vs gates vs ledger vs the org itself, per object.

For a load run (default: the latest), per object: **source rows = loaded + quarantined + held by the gates +
skipped + failed**, every source key counted exactly once; every loaded key present in the org with the id
the ledger holds (missing ids listed: a record deleted behind the loader's back fails loudly); no record in
the org that the run says it did not load; a random sample read back field by field; children whose lookup
is empty in the org though the mart names a parent (orphans); line-item totals per Case to the cent.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from core.connection import org_client
from core.errors import Dp2sfError
from core.org_api import OrgClient
from core.quoting import soql_list, sql_ident, sql_literal
from core.settings import Settings
from core.stamp import read_build_stamp
from loaders.bulk import insert_query_pages, query_to_csv
from loaders.ledger import LOADED, Ledger
from loaders.load import LoadError, make_plan, open_db
from loaders.plan import EXTERNAL_ID, MART_SCHEMA, NOT_BULK
from loaders.reconcile_fields import FieldsResult, run_field_reconciliation
from loaders.reconcile_links import (
    expected_parent_sql,
    lookup_mismatches,
    missing_file_links,
    resolved_fields,
)
from loaders.resolve import read_person_contacts


class ReconcileError(Dp2sfError):
    """Reconciliation could not run (no ledger, no org)."""


@dataclass
class ObjectReconciliation:
    name: str
    source: int = 0
    loaded: int = 0
    quarantined: int = 0
    gates: int = 0
    skipped: int = 0
    failed: int = 0
    unaccounted: list[str] = field(default_factory=list)
    in_org: int = 0
    missing_in_org: list[str] = field(default_factory=list)
    unexpected_in_org: list[str] = field(default_factory=list)
    id_mismatch: list[str] = field(default_factory=list)
    sampled: int = 0
    field_mismatches: list[dict] = field(default_factory=list)
    orphans: dict[str, int] = field(default_factory=dict)
    total_mismatches: list[dict] = field(default_factory=list)
    checksum_mismatches: list[dict] = field(default_factory=list)
    lookup_mismatches: list[dict] = field(default_factory=list)  # WhatId/WhoId...: loaders.reconcile_links
    missing_links: list[dict] = field(default_factory=list)  # files not linked to their record

    @property
    def equation_holds(self) -> bool:
        parts = self.loaded + self.quarantined + self.gates + self.skipped + self.failed
        return self.source == parts and not self.unaccounted

    @property
    def ok(self) -> bool:
        return (
            self.equation_holds
            and not self.missing_in_org
            and not self.unexpected_in_org
            and not self.id_mismatch
            and not self.field_mismatches
            and not any(self.orphans.values())
            and not self.total_mismatches
            and not self.checksum_mismatches
            and not self.lookup_mismatches
            and not self.missing_links
        )

    def problems(self) -> list[str]:
        out = []
        if not self.equation_holds:
            out.append(
                f"source {self.source} != loaded {self.loaded} + quarantined {self.quarantined} + gates "
                f"{self.gates} + skipped {self.skipped} + failed {self.failed}"
                + (f"; no outcome for {self.unaccounted[:5]}" if self.unaccounted else "")
            )
        if self.missing_in_org:
            out.append(
                f"{len(self.missing_in_org)} loaded records missing in the org: {self.missing_in_org[:10]}"
            )
        if self.unexpected_in_org:
            out.append(f"{len(self.unexpected_in_org)} records in the org the run did not load")
        if self.id_mismatch:
            out.append(f"{len(self.id_mismatch)} records whose org id differs from the ledger's")
        if self.field_mismatches:
            out.append(f"{len(self.field_mismatches)} sampled fields differ: {self.field_mismatches[:3]}")
        for f, n in self.orphans.items():
            if n:
                out.append(f"{n} orphaned records ({f} empty in the org, set in the mart)")
        if self.total_mismatches:
            out.append(f"{len(self.total_mismatches)} Cases whose line-item totals differ")
        if self.checksum_mismatches:
            out.append(
                f"{len(self.checksum_mismatches)} files whose org checksum differs from the file store"
            )
        if self.lookup_mismatches:
            out.append(f"{len(self.lookup_mismatches)} resolved lookups differ: {self.lookup_mismatches[:3]}")
        if self.missing_links:
            out.append(
                f"{len(self.missing_links)} files not linked to their record: {self.missing_links[:3]}"
            )
        return out


@dataclass
class ReconcileResult:
    run_id: str
    objects: list[ObjectReconciliation]
    report_path: Path
    fields: FieldsResult | None = None  # per field: source values = org + flagged + held back + declared

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.objects) and (self.fields is None or self.fields.ok)


def _norm(value) -> str | None:
    """A value as comparable text: numbers to 2 decimals when fractional, datetimes to the second in UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return f"{Decimal(str(value)).normalize():f}"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if len(text) >= 19 and text[4] == "-" and text[10] == "T":  # Salesforce datetime
        try:
            parsed = datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S")
            return parsed.strftime("%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return text
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        return f"{Decimal(text).normalize():f}"
    except Exception:  # noqa: BLE001 - not a number: compare as text
        return text


def _org_value(record: dict, column: str):
    value = record
    for part in column.replace("__r.", "__r|").replace(".", "|").split("|"):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def latest_load_run(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute(
        "select run_id from ledger.runs where kind in ('full', 'delta') order by started_at desc limit 1"
    ).fetchall()
    return rows[0][0] if rows else None


class Reconciler:
    def __init__(
        self, settings: Settings, con, org: OrgClient, run_id: str, sample: int, seed: int, ledger: Ledger
    ):
        self.settings, self.con, self.org, self.run_id = settings, con, org, run_id
        self.sample, self.rng = sample, random.Random(seed)
        self.ledger = ledger  # the run's one Ledger (run_reconcile's)
        self.work = Path(settings.data_dir) / ".reconcile"
        stamp = read_build_stamp(con)
        self.person_accounts = bool(stamp and stamp.person_accounts)

    def outcomes(self, obj: str) -> ObjectReconciliation:
        rec = ObjectReconciliation(obj)
        rows = self.con.execute(
            f"""
            with source as (
                select "{EXTERNAL_ID}" as source_key from {MART_SCHEMA}."{obj}"
                union
                select source_key from quarantine.quarantine_all
                where object_name = ? and source_key is not null
            ),
            ops as (
                select source_key, action, error_code from ledger.run_outcomes
                where run_id = ? and object_name = ?
            )
            select
                count(*),
                count(*) filter (where o.action in {LOADED}),
                count(*) filter (where o.error_code = 'QUARANTINED'),
                count(*) filter (where o.error_code = 'HELD_BY_GATES'),
                count(*) filter (
                    where o.action = 'skipped' and o.error_code not in ('QUARANTINED', 'HELD_BY_GATES')
                ),
                count(*) filter (where o.action = 'failed'),
                list(s.source_key) filter (where o.action is null)
            from source as s left join ops as o using (source_key)
            """,
            [obj, self.run_id, obj],
        ).fetchall()[0]
        rec.source, rec.loaded, rec.quarantined, rec.gates, rec.skipped, rec.failed = rows[:6]
        rec.unaccounted = sorted(rows[6] or [])
        dup = self.con.execute(
            "select source_key from ledger.run_outcomes where run_id = ? and object_name = ? "
            "group by source_key having count(*) > 1",
            [self.run_id, obj],
        ).fetchall()
        rec.unaccounted += [f"{k} (counted twice)" for (k,) in dup]
        return rec

    def check_org(self, rec: ObjectReconciliation, lookups: Sequence[str] = ()) -> None:
        """Every record of the object in the org (one Bulk query, into ``_in_org``: id, source_key and the
        ``lookups`` the loader resolved itself) against what the run loaded."""
        obj = rec.name
        # a Person Account's person Contact carries its customer's key (Account.Dispatch_Pro_Id__pc): it is
        # the Account's record, counted there, not a Contact the run loaded
        person = " AND IsPersonAccount = false" if obj == "Contact" and self.person_accounts else ""
        extra = "".join(f", {f}" for f in lookups)
        soql = f"SELECT Id, {EXTERNAL_ID}{extra} FROM {obj} WHERE {EXTERNAL_ID} != null{person}"
        files = query_to_csv(self.org, soql, self.work)
        self.con.execute(
            "create or replace temp table _in_org (id varchar, source_key varchar"
            + "".join(f", {sql_ident(f)} varchar" for f in lookups)
            + ")"
        )
        insert_query_pages(
            self.con,
            files,
            f'insert into _in_org select "Id", "{EXTERNAL_ID}"'
            + "".join(f", {sql_ident(f)}" for f in lookups)
            + " from read_csv(?, header = true, all_varchar = true)",
        )
        rec.in_org = self.con.execute("select count(*) from _in_org").fetchall()[0][0]
        loaded = (
            f"select source_key, sf_id from ledger.run_outcomes where run_id = {sql_literal(self.run_id)} "
            f"and object_name = {sql_literal(obj)} and action in {LOADED}"
        )
        rec.missing_in_org = [
            r[0]
            for r in self.con.execute(
                f"select l.source_key from ({loaded}) as l left join _in_org as o using (source_key) "
                "where o.id is null order by 1"
            ).fetchall()
        ]
        rec.unexpected_in_org = [
            r[0]
            for r in self.con.execute(
                "select o.source_key from _in_org as o "
                f"where o.source_key not in (select source_key from ({loaded})) "
                "order by 1"
            ).fetchall()
        ]
        rec.id_mismatch = [
            r[0]
            for r in self.con.execute(
                f"select l.source_key from ({loaded}) as l inner join _in_org as o using (source_key) "
                "where l.sf_id is not null and left(l.sf_id, 15) <> left(o.id, 15) order by 1"
            ).fetchall()
        ]

    def sample_fields(self, rec: ObjectReconciliation, columns: list[str]) -> None:
        keys = [
            r[0]
            for r in self.con.execute(
                "select source_key from ledger.run_outcomes where run_id = ? and object_name = ? "
                f"and action in {LOADED} order by source_key",
                [self.run_id, rec.name],
            ).fetchall()
        ]
        keys = [k for k in keys if k not in set(rec.missing_in_org)]
        chosen = self.rng.sample(keys, min(self.sample, len(keys)))
        if not chosen:
            return
        sent = [c for c in columns if not c.startswith("_")]
        fields = ", ".join(dict.fromkeys(["Id", *sent]))
        quoted = soql_list(chosen)
        org_rows = {
            r[EXTERNAL_ID]: r
            for r in self.org.query_iter(f"SELECT {fields} FROM {rec.name} WHERE {EXTERNAL_ID} IN ({quoted})")
        }
        cols = ", ".join(f'"{c}"' for c in sent)
        marks = ", ".join("?" for _ in chosen)
        cur = self.con.execute(
            f'select {cols} from {MART_SCHEMA}."{rec.name}" where "{EXTERNAL_ID}" in ({marks})', chosen
        )
        rows = cur.fetchall()
        checkboxes = {  # a Salesforce checkbox is never null: an empty source value reads back false
            r[0]
            for r in self.con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? "
                "and data_type = 'BOOLEAN'",
                [MART_SCHEMA, rec.name],
            ).fetchall()
        }
        for row in rows:
            mart = dict(zip(sent, row, strict=True))
            mart.update({c: False for c in checkboxes if c in mart and mart[c] is None})
            org_rec = org_rows.get(mart[EXTERNAL_ID])
            if org_rec is None:
                continue
            rec.sampled += 1
            for c in sent:
                a, b = _norm(mart[c]), _norm(_org_value(org_rec, c))
                if a != b:
                    rec.field_mismatches.append({"key": mart[EXTERNAL_ID], "field": c, "source": a, "org": b})

    def orphans(self, rec: ObjectReconciliation, lookups) -> None:
        for lk in lookups:
            if lk.kind == "Helper" or lk.column.startswith("_"):
                continue
            expected_null = self.con.execute(
                f'select count(*) from {MART_SCHEMA}."{rec.name}" as m inner join ledger.run_outcomes as o '
                f'on o.source_key = m."{EXTERNAL_ID}" and o.run_id = ? and o.object_name = ? '
                f'and o.action in {LOADED} where m."{lk.column}" is null',
                [self.run_id, rec.name],
            ).fetchall()[0][0]
            result = self.org.call(
                self.org.sf.query,
                f"SELECT COUNT() FROM {rec.name} WHERE {EXTERNAL_ID} != null AND {lk.field} = null",
            )
            rec.orphans[lk.field] = max(0, int(result.get("totalSize", 0)) - expected_null)

    def file_checksums(self, rec: ObjectReconciliation) -> None:
        """Every loaded file: the org's Checksum (MD5) equals the MD5 of the bytes in the file store."""
        from loaders.files import FileSource

        org = {
            r[EXTERNAL_ID]: r.get("Checksum")
            for r in self.org.query_iter(
                f"SELECT {EXTERNAL_ID}, Checksum FROM ContentVersion "
                f"WHERE {EXTERNAL_ID} != null AND IsLatest = true"
            )
        }
        cur = self.con.execute(
            f'select m.* from {MART_SCHEMA}."ContentVersion" as m inner join ledger.run_outcomes as o '
            'on o.source_key = m."Dispatch_Pro_Id__c" and o.run_id = ? '
            "and o.object_name = 'ContentVersion' "
            f"and o.action in {LOADED}",
            [self.run_id],
        )
        names = [d[0] for d in cur.description]
        for values in cur.fetchall():
            row = dict(zip(names, values, strict=True))
            source = FileSource(Path(self.settings.files_dir), row)
            md5 = source.digests()[0] if source.exists() else None
            key = row[EXTERNAL_ID]
            if key in org and org[key] != md5:
                rec.checksum_mismatches.append({"key": key, "source_md5": md5, "org_md5": org[key]})

    def line_item_totals(self, rec: ObjectReconciliation) -> None:
        parent_col = "Case__r.Dispatch_Pro_Id__c"
        source = dict(
            self.con.execute(
                f'select m."{parent_col}", sum(m."Total__c") from {MART_SCHEMA}."Line_Item__c" as m '
                'inner join ledger.run_outcomes as o on o.source_key = m."Dispatch_Pro_Id__c" '
                f"and o.run_id = ? and o.object_name = 'Line_Item__c' and o.action in {LOADED} group by 1",
                [self.run_id],
            ).fetchall()
        )
        # every line item in the org in one Bulk query, summed per Case in DuckDB (exact decimals)
        files = query_to_csv(
            self.org,
            f"SELECT Total__c, {parent_col} FROM Line_Item__c WHERE {EXTERNAL_ID} != null",
            self.work,
        )
        self.con.execute("create or replace temp table _org_totals (case_key varchar, total varchar)")
        insert_query_pages(
            self.con,
            files,
            f'insert into _org_totals select "{parent_col}", "Total__c" '
            "from read_csv(?, header = true, all_varchar = true)",
        )
        org: dict[str, Decimal] = {
            case_key: Decimal(str(total))
            for case_key, total in self.con.execute(
                "select nullif(case_key, ''), sum(coalesce(cast(nullif(total, '') as decimal(38, 6)), 0)) "
                "from _org_totals group by 1"
            ).fetchall()
        }
        for case_key in sorted(set(source) | set(org), key=str):
            a = Decimal(str(source.get(case_key) or 0)).quantize(Decimal("0.01"))
            b = org.get(case_key, Decimal(0)).quantize(Decimal("0.01"))
            if a != b:
                rec.total_mismatches.append({"case": case_key, "source": str(a), "org": str(b)})


def check_resolved_lookups(rc: Reconciler, rec: ObjectReconciliation, columns: list[str]) -> None:
    """The lookups the loader resolves itself (polymorphic WhatId/WhoId, read by :meth:`Reconciler.check_org`)
    and the files' links."""
    person_contacts = None
    if rc.person_accounts and "_who_contact_key" in columns:  # a residential customer's person Contact
        read_person_contacts(rc.org, rc.con, "_rc_person_contacts")
        person_contacts = "_rc_person_contacts"
    expected = expected_parent_sql(rc.ledger, rc.run_id, rec.name, columns, person_contacts)
    rec.lookup_mismatches = lookup_mismatches(rc.con, expected, "_in_org")
    if rec.name == "ContentVersion" and "FirstPublishLocationId" in expected:
        parents = dict(rc.con.execute(expected["FirstPublishLocationId"]).fetchall())
        rec.missing_links = missing_file_links(rc.org, parents)


def run_reconcile(
    settings: Settings,
    run_id: str | None = None,
    sample: int = 20,
    seed: int = 7,
    org: OrgClient | None = None,
) -> ReconcileResult:
    """Reconcile a load run (default: the latest) against the source, the ledger and the org."""
    try:
        con = open_db(settings)
    except LoadError as exc:
        raise ReconcileError(str(exc)) from exc
    try:
        ledger = Ledger(con)  # the ledger's schema, as this version writes it
        run_id = run_id or latest_load_run(con)
        if run_id is None:
            raise ReconcileError("the ledger holds no load run: run `dp2sf load` first")
        plan = make_plan(settings, con)
        asked = ledger.run_objects(run_id)
        if asked:  # a run of some objects (`dp2sf load --object`) is reconciled on those
            plan = replace(plan, objects=[o for o in plan.objects if o.name in asked])
        if org is None:
            org = org_client(settings)
        rc = Reconciler(settings, con, org, run_id, sample, seed, ledger)
        results = []
        for obj in plan.objects:
            rec = rc.outcomes(obj.name)
            rc.check_org(rec, resolved_fields(obj.name, obj.columns))
            rc.sample_fields(rec, obj.columns)
            rc.orphans(rec, obj.lookups)
            if obj.name == "Line_Item__c":
                rc.line_item_totals(rec)
            if obj.name in NOT_BULK:
                rc.file_checksums(rec)
            check_resolved_lookups(rc, rec, obj.columns)
            results.append(rec)
        fields = run_field_reconciliation(settings, con, org, run_id, plan)
        out = Path(settings.reports_dir) / run_id
        out.mkdir(parents=True, exist_ok=True)
        report = out / "reconciliation.json"
        report.write_text(
            json.dumps(
                {
                    "run_id": run_id,
                    "ok": all(r.ok for r in results) and fields.ok,
                    "objects": [{**r.__dict__, "ok": r.ok, "problems": r.problems()} for r in results],
                    "fields": fields.as_json(),
                },
                indent=2,
                default=str,
            )
        )
        return ReconcileResult(run_id, results, report, fields)
    finally:
        con.close()
