"""The sample diff anchored on the source: what the source held decides a field's class, not the mart alone.

``SourceChecks`` gathers, once per diff, what a field's source value may legitimately become besides the
org's value: a flag (``quarantine.flagged_values``: rule and reason), a declaration (``mapping.not_migrated``
for a raw column; a value map whose row for the value names no target), and the value maps themselves (the
expected form of a value-mapped field, computed from the source value and the seed, not read from the
mart). ``anchor`` turns the mart-vs-org class of ``loaders.sample_diff.classify`` into the source-anchored
one (``dropped``, ``flagged``, ``declared``, ``filtered``, ``empty``, ``set_by_mapping``, ``proposed``; a
value-mapped field whose org value is not the seed's target for the source value is a ``mismatch``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from core.quoting import sql_ident
from loaders.reconcile import _norm
from loaders.reconcile_fields import declared_columns, lost_edges
from loaders.sample_source import SourceValues, derived_record

SEED_PICKLIST = re.compile(r"seed:(map_\w+)\.(\w+)$")


def _has(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


@dataclass
class SourceChecks:
    """Flags, declarations, value maps and lost edges of one build (see the module docstring)."""

    flags: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (object, key, field) → reason
    flag_values: dict[tuple[str, str, str], str | None] = field(default_factory=dict)  # → the source value
    declared: set[tuple[str, str]] = field(default_factory=set)  # raw (table, column)
    edges: dict[tuple[str, str], list[tuple[str, str, str]]] = field(default_factory=dict)
    value_maps: dict[tuple[str, str], dict[str, str | None]] = field(default_factory=dict)
    lost: list[dict[str, str]] = field(default_factory=list)
    many: set[tuple[str, str]] = field(default_factory=set)  # (object, raw table) with several rows/record
    # seed rows still ``proposed`` (dp2sf map propose): (object, field) → source values a value map's proposed
    # rows cover; a custom field a proposed custom_fields row creates is in ``proposed_fields``
    proposed: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    proposed_fields: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def read(
        cls,
        con: duckdb.DuckDBPyConnection,
        current: list[dict[str, str]],
        approved: list[dict[str, str]],
        sources: SourceValues | None = None,
    ) -> SourceChecks:
        """From the build's DuckDB (quarantine, seeds) and the lineage of today and of the approval;
        ``sources`` tells which raw tables give several rows per record."""
        checks = cls(lost=lost_edges(current, approved))
        if sources is not None:
            checks.many = {
                (r["object"], r["source_table"])
                for r in current + approved
                if sources.many(r["object"], r["source_table"])
            }
        if _has(con, "quarantine", "flagged_values"):
            for obj, key, column, rule, reason, value in con.execute(
                "select object_name, source_key, column_name, rule, reason, value "
                "from quarantine.flagged_values"
            ).fetchall():
                checks.flags[(obj, key, column)] = f"flagged {rule}: {reason}"
                checks.flag_values[(obj, key, column)] = value
        checks.declared = declared_columns(con)
        edges: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
        for row in current + approved:
            edge = (row["source_table"], row["source_column"], row["transformation"])
            if edge not in edges[(row["object"], row["field"])]:
                edges[(row["object"], row["field"])].append(edge)
        checks.edges = dict(edges)
        if _has(con, "mapping", "salesforce_fields"):
            for obj, fld, picklist in con.execute(
                "select object, field, picklist from mapping.salesforce_fields where picklist like 'seed:%'"
            ).fetchall():
                found = SEED_PICKLIST.match(picklist or "")
                if found and _has(con, "mapping", found.group(1)):
                    cur = con.execute(f"select * from mapping.{sql_ident(found.group(1))}")
                    names = [d[0] for d in cur.description]
                    if found.group(2) not in names:
                        continue
                    target = names.index(found.group(2))
                    status = names.index("status") if "status" in names else None
                    rows = [r for r in cur.fetchall() if r[0] is not None]
                    checks.value_maps[(obj, fld)] = {
                        str(r[0]).strip().lower(): (None if r[target] in (None, "") else str(r[target]))
                        for r in rows
                    }
                    checks.proposed[(obj, fld)] = {
                        str(r[0]).strip().lower(): f"{found.group(1)}.csv row {r[0]} → {r[target]}"
                        for r in rows
                        if status is not None and r[status] == "proposed"
                    }
        if _has(con, "mapping", "custom_fields"):
            for obj, api_name, entity, name in con.execute(
                "select object, api_name, source_entity, source_name from mapping.custom_fields "
                "where status = 'proposed'"
            ).fetchall():
                row = f"custom_fields.csv row {entity} {name!r} → {api_name}"
                checks.proposed_fields[(obj, api_name)] = row
        return checks

    def proposal(self, obj: str, fld: str, source_value: str) -> str | None:
        """The proposed seed row (not yet approved) that gave this field its value, if one did."""
        if (obj, fld) in self.proposed_fields:
            return self.proposed_fields[(obj, fld)]
        if any(k != "value-mapped" for _, _, k in self.edges.get((obj, fld), [])):
            return None
        return self.proposed.get((obj, fld), {}).get(source_value.strip().lower())

    def flag(self, obj: str, key: str, fld: str, source_value: str) -> str | None:
        """The flag of this field's value: on the field itself, or the same source value flagged on a field
        the same raw column feeds (``Pending`` flagged on Case.Status is what Closed_Reason__c lacks)."""
        if (obj, key, fld) in self.flags:
            return self.flags[(obj, key, fld)]
        mine = {(t, c) for t, c, _ in self.edges.get((obj, fld), [])}
        for (o, k, other), reason in self.flags.items():
            if (o, k) != (obj, key) or self.flag_values.get((o, k, other)) != source_value:
                continue
            if mine & {(t, c) for t, c, _ in self.edges.get((obj, other), [])}:
                return f"{reason} (on {obj}.{other})"
        return None

    def selects_rows(self, obj: str, fld: str) -> bool:
        """A field that chooses among source rows: a derived field of several raw inputs (a contact method
        chosen by its type), or one fed only by a table with several rows per record (a Case's
        appointments). Empty where no row qualifies, which loses no input value (a planted null loses its
        edges: ``lost_edge``)."""
        edges = self.edges.get((obj, fld), [])
        if edges and all((obj, t) in self.many for t, _, _ in edges):
            return True
        return (
            bool(edges)
            and all(k in ("derived", "concatenated") for _, _, k in edges)
            and len({(t, c) for t, c, _ in edges}) > 1
        )

    def is_declared(self, obj: str, fld: str, source_value: str) -> bool:
        """A documented "no target" for this value: a not_migrated raw column, or a value map row naming
        no target."""
        if any((t, c) in self.declared for t, c, _ in self.edges.get((obj, fld), [])):
            return True
        mapped = self.value_maps.get((obj, fld))
        return (
            mapped is not None
            and source_value.strip().lower() in mapped
            and not mapped[source_value.strip().lower()]
        )

    def expected(self, obj: str, fld: str, source_value: str) -> str | None:
        """The expected form of a value-mapped field (the seed's target for the source value), else None."""
        mapped = self.value_maps.get((obj, fld))
        if mapped is None or any(k != "value-mapped" for _, _, k in self.edges.get((obj, fld), [])):
            return None
        return mapped.get(source_value.strip().lower())


def anchor(
    checks: SourceChecks, obj: str, key: str, spec, finding: str, source_value, intended, org_value
) -> tuple[str, str | None]:
    """The source-anchored class of one field of one record in the org, and the org column to show when
    it says more than the org's value (a flag's reason; the expected form); None keeps the org value."""
    if spec.kind != "value":
        return finding, None
    src = None if source_value in (None, "") else str(source_value)
    if src is None:
        if finding == "equal":
            return ("empty" if _norm(intended) is None else "set_by_mapping"), None
        return finding, None
    if (obj, key, spec.field) in checks.flags:  # a person decides, whatever the org holds
        shown = checks.flags[(obj, key, spec.field)]
        return "flagged", shown if _norm(org_value) is None else f"{org_value} ({shown})"
    sibling = checks.flag(obj, key, spec.field, src) if _norm(org_value) is None else None
    if sibling:
        return "flagged", sibling
    if _norm(org_value) is None:
        if _norm(intended) is None and (checks.selects_rows(obj, spec.field) or derived_record(key)):
            return "filtered", None
        if finding in ("truncated", "picklist_gap"):
            return finding, None
        if checks.is_declared(obj, spec.field, src):
            return "declared", None
        return "dropped", None
    expected = checks.expected(obj, spec.field, src)
    if expected is not None and finding == "equal" and str(org_value).strip().lower() != expected.lower():
        return "mismatch", f"{org_value} (the value map gives {expected})"
    proposal = checks.proposal(obj, spec.field, src)
    if proposal is not None and finding == "equal":  # arrived through a row no person approved yet
        return "proposed", f"{org_value} (proposed: {proposal})"
    return finding, None


def unplaced_flags(
    checks: SourceChecks, compared: set[tuple[str, str, str]]
) -> list[tuple[str, str, str, str | None, str]]:
    """Flagged values of the build on no (object, key, field) the diff compared (an unseeded custom
    property, a site's property with no record of its own): (object, key, column, value, reason)."""
    return [
        (obj, key, column, checks.flag_values.get((obj, key, column)), reason)
        for (obj, key, column), reason in sorted(checks.flags.items())
        if (obj, key, column) not in compared
    ]
