"""``dp2sf map propose``: a proposed target for every source field and every unmapped source value.

Sources: every raw column of ``raw_dispatch_pro`` (the dlt schema as it landed; dlt's own columns
aside), every custom property (its definition, or only its values when the definition is missing), and every
source value a value map does not know (the transform lists them as ``unmapped_value`` in
``quarantine.flagged_values`` / ``quarantine.quarantine_all``). Targets: the fields of the target org's
describe (the objects of the mapping), or, when the org cannot be reached, the field list in the seeds.

Each source gets a decision with a confidence (0..1) and its reasons (``mapping.propose_score``):
``mapped`` (the current SQL maps it, from ``build/lineage.csv``), ``not_migrated`` (declared in
``seeds/not_migrated.csv``), ``proposed`` (a new seed row was written, ``status = proposed``) or
``unmapped`` (nothing to propose with confidence). A source value gets a proposed seed row only for a
target value that means the same (``SAME_MEANING``); one close in spelling only stays unmapped, the
closest value named in its reasons, so no guessed meaning reaches the org before a person decides. The
table goes to ``build/mapping_proposals.csv``; unmapped and low-confidence rows are listed for a decision
in ``reports/<run>/mapping_review.html``.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import Dp2sfError
from core.fields import load_field_list
from core.quoting import write_csv
from core.settings import Settings
from mapping.inventory import CUSTOM_FIELD_SOURCES, source_custom_fields
from mapping.lineage import load_declarations
from mapping.propose_score import best_value, name_score, score
from mapping.propose_seeds import append_proposals, ensure_status_column, read_seed
from mapping.propose_sources import source_fields, target_fields

LOW_CONFIDENCE = 0.6
# a source value is proposed a target value only when it means the same: the same value, or the same words
# after the synonym table (best_value: 1.0, 0.9); a spelling match (Pending ~ Working, 43%) is a guess of
# meaning, so it stays unmapped with the hint in its reasons, and the build keeps failing, naming it
SAME_MEANING = 0.9
COLUMNS = (
    "kind",
    "source_table",
    "source_column",
    "source_value",
    "source_type",
    "records",
    "object",
    "field",
    "target_type",
    "confidence",
    "decision",
    "seed",
    "reasons",
)
ENTITY_OBJECTS = {
    "job": ["Case"],
    "customer": ["Account"],
    "location": ["Location__c"],
    "invoice": ["Invoice__c"],
}
SEED_REF = re.compile(r"seed:(map_\w+)\.(\w+)")


class ProposeError(Dp2sfError):
    """Proposals cannot be made (no extract, no transform yet)."""


@dataclass
class ProposeResult:
    """What ``run_propose`` found and wrote."""

    proposals_path: Path
    rows: int
    decisions: dict[str, int]
    seeds_changed: dict[str, int] = field(default_factory=dict)  # seed file -> proposed rows added
    targets_from: str = ""  # "org <target>" or "field list (…)"
    html: Path | None = None


def _read_lineage(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise ProposeError(f"no lineage at {path}: run `dp2sf transform` first")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _row(**values) -> dict:
    return {c: values.get(c, "") for c in COLUMNS}


def _field_rows(sources, targets, lineage, declarations, field_names) -> list[dict]:
    """One row per raw column (per mapped target when the SQL maps it)."""
    mapped = defaultdict(list)
    for r in lineage:
        mapped[(r["source_table"], r["source_column"])].append(r)
    objects_of_table = defaultdict(set)
    for r in lineage:
        objects_of_table[r["source_table"]].add(r["object"])
    declared = {(d.table, d.column): d.reason for d in declarations}
    whole = {d.table: d.reason for d in declarations if d.column == "*"}
    every = [t for fields in targets.values() for t in fields]
    rows = []
    for src in sources:
        base = {
            "kind": "field",
            "source_table": src.table,
            "source_column": src.column,
            "source_type": src.data_type,
        }
        if (src.table, src.column) in mapped:
            for r in mapped[(src.table, src.column)]:
                name = field_names.get((r["object"], r["field"]), r["field"])
                tgt = next((t for t in targets.get(r["object"], []) if t.name == name), None)
                s = score(src, tgt) if tgt else None
                reasons = [f"the current SQL maps it ({r['transformation']})", *(s.reasons if s else [])]
                rows.append(
                    _row(
                        **base,
                        object=r["object"],
                        field=r["field"],
                        target_type=tgt.type if tgt else "",
                        confidence=s.confidence if s else 1.0,
                        decision="mapped",
                        reasons="; ".join(reasons),
                    )
                )
            continue
        pool = [t for o in objects_of_table.get(src.table, ()) for t in targets.get(o, [])] or every
        best = max(
            ((score(src, t), t) for t in pool if t.createable), key=lambda x: x[0].confidence, default=None
        )
        reason = declared.get((src.table, src.column)) or whole.get(src.table)
        if reason is not None:
            hint = (
                f"; closest target {best[1].object}.{best[1].name} ({best[0].confidence:.0%})" if best else ""
            )
            rows.append(
                _row(
                    **base,
                    decision="not_migrated",
                    confidence="",
                    reasons=f"declared in not_migrated.csv: {reason}{hint}",
                )
            )
            continue
        if best is None:
            rows.append(_row(**base, decision="unmapped", confidence=0.0, reasons="no target field"))
            continue
        s, t = best
        rows.append(
            _row(
                **base,
                object=t.object,
                field=t.name,
                target_type=t.type,
                confidence=s.confidence,
                decision="unmapped",
                reasons="; ".join(
                    [
                        "no SQL maps it yet: map it in a model or "
                        "declare it in not_migrated.csv; closest target",
                        *s.reasons,
                    ]
                ),
            )
        )
    return rows


def _target_rows(sources, targets, lineage, field_names, custom_targets, written) -> list[dict]:
    """Every createable field of the target objects that nothing fills: the closest source column as a hint
    (only the source tables already feeding that object), so a reviewer sees what stays empty."""
    filled = {(r["object"], field_names.get((r["object"], r["field"]), r["field"])) for r in lineage}
    filled |= custom_targets
    tables_of = defaultdict(set)
    for r in lineage:
        tables_of[r["object"]].add(r["source_table"])
    rows = []
    for obj, fields in sorted(targets.items()):
        pool = [s for s in sources if s.table in tables_of.get(obj, ())]
        for t in fields:
            if not t.createable or (obj, t.name) in filled or t.type in ("id", "reference"):
                continue
            best = max(((score(s, t), s) for s in pool), key=lambda x: x[0].confidence, default=None)
            base = {"kind": "target_field", "object": obj, "field": t.name, "target_type": t.type}
            if (obj, t.name) in written:
                why = "the SQL writes it from no source column (a constant or a computed value)"
                rows.append(_row(**base, decision="mapped", confidence=1.0, reasons=why))
                continue
            if best is None:
                rows.append(_row(**base, decision="unmapped", confidence=0.0, reasons="no source feeds it"))
                continue
            sc, src = best
            rows.append(
                _row(
                    **base,
                    source_table=src.table,
                    source_column=src.column,
                    source_type=src.data_type,
                    confidence=sc.confidence,
                    decision="unmapped",
                    reasons="; ".join(["no source column fills this field; the closest", *sc.reasons]),
                )  # fmt: skip
            )
    return rows


def _api_name(name: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    cleaned = re.sub(r"_+", "_", cleaned) or "Field"
    return (cleaned if cleaned[0].isalpha() else f"X{cleaned}")[:37] + "__c"


def _custom_rows(con, seeds_dir: Path, targets) -> tuple[list[dict], list[dict]]:
    """Custom properties: seeded ones are mapped; each unseeded one gets a proposed custom_fields row per
    object its entity maps to."""
    _, seeded = read_seed(seeds_dir / "custom_fields.csv")
    entity_objects = defaultdict(list)
    for r in seeded:
        if r["object"] not in entity_objects[r["source_entity"]]:
            entity_objects[r["source_entity"]].append(r["object"])
    defined = {(f.entity, f.name): f for f in source_custom_fields(con)}
    values_only = _unseeded_values(con)
    rows, seed_rows = [], []
    for entity, name in sorted(set(defined) | set(values_only)):
        d = defined.get((entity, name))
        base = {
            "kind": "custom_property",
            "source_table": CUSTOM_FIELD_SOURCES[entity][1],
            "source_column": name,
            "source_type": d.data_type if d else "(no definition)",
        }
        mine = [r for r in seeded if r["source_entity"] == entity and r["source_name"] == name]
        if mine:
            for r in mine:
                rows.append(
                    _row(
                        **base,
                        object=r["object"],
                        field=r["api_name"],
                        target_type=r["type"],
                        confidence=1.0,
                        decision="mapped",
                        seed="custom_fields.csv",
                        reasons=f"seeded in custom_fields.csv ({r.get('status') or 'approved'})",
                    )
                )
            continue
        sf_type = d.inferred_type if d else "Text"
        length = (d.inferred_length if d else 255) or ""
        records = values_only.get((entity, name), d.values if d else 0)
        for obj in entity_objects.get(entity) or ENTITY_OBJECTS.get(entity, []):
            api = _api_name(name)
            closest = max(targets.get(obj, []), key=lambda t: name_score(name, t.name, t.label), default=None)
            near = name_score(name, closest.name, closest.label) if closest else 0.0
            confidence = 0.8 if d else 0.6
            reasons = [
                f"{entity} custom property with no Salesforce field: a new {sf_type} field {obj}.{api}",
                f"type from the definition ({d.data_type}) and {d.values} values"
                if d
                else "no definition in the source: type Text (255) from its values only",
            ]
            if closest is not None and near >= 0.85:
                confidence = min(confidence, 0.5)
                reasons.append(f"an existing field looks the same: {obj}.{closest.name} ({near:.0%}); decide")
            rows.append(
                _row(
                    **base,
                    records=records,
                    object=obj,
                    field=api,
                    target_type=sf_type,
                    confidence=confidence,
                    decision="proposed",
                    seed="custom_fields.csv",
                    reasons="; ".join(reasons),
                )
            )
            seed_rows.append(
                {
                    "source_entity": entity,
                    "source_name": name,
                    "object": obj,
                    "api_name": api,
                    "label": name[:40],
                    "type": sf_type,
                    "length": str(length) if sf_type in ("Text", "LongTextArea") else "",
                    "precision": "18" if sf_type == "Number" else "",
                    "scale": "2" if sf_type == "Number" else "",
                    "picklist_values": "|".join(d.options) if d and sf_type == "Picklist" else "",
                    "description": f"proposed by dp2sf map propose: {entity} custom property ({reasons[1]})",
                }
            )
    return rows, seed_rows


def _unseeded_values(con) -> dict[tuple[str, str], int]:
    """(entity, property) -> values, for properties the transform listed as having no target field."""
    entity_of = {
        "Case": "job",
        "Account": "customer",
        "Contact": "customer",
        "Location__c": "location",
        "Invoice__c": "invoice",
    }
    found: dict[tuple[str, str], int] = {}
    for obj, prop, n in _flagged(con, "no_target_field", "object_name, column_name, count(*)"):
        if obj in entity_of:
            found[(entity_of[obj], prop)] = found.get((entity_of[obj], prop), 0) + n
    return found


def _flagged(con, rule: str, select: str) -> list[tuple]:
    present = {
        t
        for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'quarantine'"
        ).fetchall()
    }
    parts = [
        f"select * from quarantine.{t} where rule = ?"
        for t in ("flagged_values", "quarantine_all")
        if t in present
    ]
    if not parts:
        raise ProposeError("no quarantine tables in the DuckDB: run `dp2sf transform` first")
    union = " union all ".join(parts)
    return con.execute(
        f"select {select} from ({union}) group by all order by all", [rule] * len(parts)
    ).fetchall()


def _value_rows(con, seeds_dir: Path, targets, lineage) -> tuple[list[dict], dict[str, list[dict]]]:
    """Source values no value map knows -> a proposed row in that map with the closest target value (the raw
    columns holding the value from the lineage)."""
    wanted: dict[tuple[str, str], dict] = {}
    for obj, fld, value, reason, n in _flagged(
        con, "unmapped_value", "object_name, column_name, value, reason, count(*)"
    ):
        m = SEED_REF.search(reason or "")
        if not m or value is None:
            continue
        seed, column = m.groups()
        header, existing = read_seed(seeds_dir / f"{seed}.csv")
        if column == header[0]:  # the map's key column itself (e.g. the original level kept as is)
            continue
        entry = wanted.setdefault(
            (seed, value),
            {"records": 0, "targets": {}, "header": header, "existing": existing, "where": set()},
        )
        entry["records"] = max(entry["records"], n)
        entry["targets"].setdefault(column, (obj, fld))
        entry["where"].add(f"{obj}.{fld}")
    rows, seed_rows = [], defaultdict(list)
    for (seed, value), e in sorted(wanted.items()):
        key = e["header"][0]
        new = {key: value}
        reasons, confidence, first = [], 1.0, None
        for column, (obj, fld) in e["targets"].items():
            choices = list(
                dict.fromkeys(
                    [r[column] for r in e["existing"] if r.get(column)]
                    + [v for t in targets.get(obj, []) if t.name == fld for v in t.picklist]
                )
            )
            best, s = best_value(value, choices)
            if best is None:
                continue
            if s < SAME_MEANING:  # close in spelling only: a hint for the person, never a seed row
                reasons.append(
                    f"{obj}.{fld}: nothing means the same; closest by spelling {best!r} ({s:.0%}) of "
                    f"{len(choices)}, which is not a meaning: a person decides (add the row to {seed}.csv)"
                )
                continue
            new[column] = best
            confidence = min(confidence, s)
            first = first or (obj, fld, best)
            reasons.append(f"{obj}.{fld}: same meaning {best!r} ({s:.0%}) of {len(choices)}")
        decision = "proposed" if first else "unmapped"
        obj, fld = next(iter(e["targets"].values()))
        raw = sorted(
            {
                (r["source_table"], r["source_column"])
                for r in lineage
                if (r["object"], r["field"]) == (obj, fld) and r["transformation"] == "value-mapped"
            }
        )
        if first:
            new["note"] = f"proposed by dp2sf map propose: {'; '.join(reasons)}"
            seed_rows[seed].append(new)
        rows.append(
            _row(
                kind="value",
                source_table=" | ".join(t for t, _ in raw),
                source_column=" | ".join(c for _, c in raw),
                source_value=value,
                records=e["records"],
                seed=f"{seed}.csv",
                object=first[0] if first else "",
                field=first[1] if first else "",
                confidence=round(confidence, 3) if first else 0.0,
                decision=decision,
                reasons="; ".join(
                    [f"{e['records']} records carry it ({', '.join(sorted(e['where']))})", *reasons]
                )
                or "no target value to propose",
            )
        )
    return rows, seed_rows


def run_propose(
    settings: Settings,
    invoices: str = "custom",
) -> ProposeResult:
    """Propose, write ``build/mapping_proposals.csv`` and the proposed seed rows (the roof renders the review
    with :func:`reporting.review.render_mapping_review`)."""
    if not settings.duckdb_path.is_file():
        raise ProposeError(f"no DuckDB at {settings.duckdb_path}: run `dp2sf extract` and `dp2sf transform`")
    seeds_dir = settings.project_dir / "dbt_project" / "seeds"
    lineage = _read_lineage(settings.build_dir / "lineage.csv")
    field_list = load_field_list(settings.project_dir / "dbt_project")
    objects = [o.name for o in field_list.enabled_objects(invoices)]
    field_names = {(f.object, f.mart_column): f.name for f in field_list.fields}
    targets, targets_from = target_fields(settings, objects)
    ensure_status_column(seeds_dir)
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        sources = source_fields(con, settings.duckdb_path)
        rows = _field_rows(
            sources, targets, lineage, load_declarations(seeds_dir / "not_migrated.csv"), field_names
        )
        custom, custom_seed = _custom_rows(con, seeds_dir, targets)
        values, value_seeds = _value_rows(con, seeds_dir, targets, lineage)
    custom_targets = {(r["object"], r["field"]) for r in custom}
    written = {(f.object, f.name) for f in field_list.fields}
    rows += custom + values + _target_rows(sources, targets, lineage, field_names, custom_targets, written)
    out = settings.build_dir / "mapping_proposals.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    write_csv(frame, out)  # reviewers open it; the seeds below are data and keep their values
    changed = {}
    if custom_seed:
        changed["custom_fields.csv"] = append_proposals(
            seeds_dir / "custom_fields.csv", ["source_entity", "source_name", "object"], custom_seed
        )
    for seed, new in value_seeds.items():
        header = read_seed(seeds_dir / f"{seed}.csv")[0]
        changed[f"{seed}.csv"] = append_proposals(seeds_dir / f"{seed}.csv", [header[0]], new)
    result = ProposeResult(
        out,
        len(frame),
        frame["decision"].value_counts().to_dict(),
        {k: v for k, v in changed.items() if v},
        targets_from,
    )
    return result


def read_proposals(path: str | Path) -> pd.DataFrame:
    """The proposal table, confidence numeric."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce")
    return frame


def show(frame: pd.DataFrame, mask_pii: bool = False) -> pd.DataFrame:
    """Every table the review displays passes here (one place to mask personal data for a shared report)."""
    from core.pii import maybe_mask

    return maybe_mask(frame, mask_pii)
