"""How well a source field fits a target field: the scores behind ``dp2sf map propose``, each with its reason.

- name: rapidfuzz ``token_set_ratio`` of the two names split into words (camelCase, snake_case, ``__c``
  dropped), after a synonym table folds Dispatch Pro's words onto Salesforce's (job → case, customer →
  account, technician → owner, …);
- type: whether the source data type can be written to the target field type (1, 0.5 when a conversion may
  fail, 0 when it cannot);
- picklist: the share of the source's distinct values that are values of the target picklist;
- length: whether the longest source value fits the target length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

# Dispatch Pro / ServiceTitan word -> the Salesforce word for the same thing (applied to both sides)
SYNONYMS = {
    "job": "case", "jobs": "case", "customer": "account", "customers": "account", "client": "account",
    "technician": "owner", "tech": "owner", "employee": "user", "summary": "description",
    "notes": "description",
    "note": "comment", "priority": "priority", "status": "status", "state": "status", "zip": "postalcode",
    "postal": "postalcode", "street": "street", "city": "city", "phone": "phone", "mobile": "phone",
    "email": "email", "mail": "email", "created": "created", "modified": "lastmodified",
    "updated": "lastmodified",
    "number": "number", "num": "number", "no": "number", "amount": "total", "total": "total",
    "qty": "quantity", "quantity": "quantity", "price": "unitprice", "sku": "productcode", "code": "code",
    "start": "start", "end": "end", "appointment": "event", "invoice": "invoice", "item": "lineitem",
    "items": "lineitem", "location": "location", "site": "location", "urgent": "high", "emergency": "high",
    "critical": "high", "normal": "medium", "standard": "medium", "deferred": "low", "onhold": "onhold",
    "hold": "onhold", "paused": "onhold", "scheduled": "new", "dispatched": "working",
    "inprogress": "working",
    "completed": "closed", "done": "closed", "canceled": "closed", "cancelled": "closed",
}  # fmt: skip

# source (DuckDB) type family -> target (describe) types it can be written to without loss; and with a risk
SAFE = {
    "text": {"string", "textarea", "email", "phone", "url", "picklist", "combobox", "id", "reference"},
    "int": {"double", "int", "currency", "percent", "string", "textarea", "reference"},  # ids: lookups
    "float": {"double", "currency", "percent", "string", "textarea"},
    "bool": {"boolean", "string"},
    "date": {"date", "datetime", "string"},
    "datetime": {"datetime", "string"},
}
RISKY = {
    "text": {"double", "int", "currency", "percent", "boolean", "date", "datetime"},
    "int": {"boolean", "picklist"},
    "float": {"int"},
    "datetime": {"date"},
}
WEIGHTS = {"name": 0.5, "type": 0.2, "picklist": 0.15, "length": 0.15}


@dataclass(frozen=True)
class SourceField:
    """A source column (or custom property) with what its data says."""

    table: str
    column: str
    data_type: str  # DuckDB type, or the inferred Salesforce-ish family for a custom property
    values: tuple[str, ...] = ()  # distinct values (up to a sample)
    max_length: int | None = None
    custom: bool = False


@dataclass(frozen=True)
class TargetField:
    """A target org field from the describe (or the field list when the org cannot be reached)."""

    object: str
    name: str
    label: str
    type: str  # describe type: string, picklist, double, …
    length: int | None = None
    picklist: tuple[str, ...] = ()
    createable: bool = True


@dataclass
class Score:
    """The parts of a match and the reasons, in words."""

    name: float
    type: float
    picklist: float | None
    length: float | None
    reasons: list[str] = field(default_factory=list)

    @property
    def confidence(self) -> float:
        parts = {"name": self.name, "type": self.type, "picklist": self.picklist, "length": self.length}
        used = {k: v for k, v in parts.items() if v is not None}
        return round(sum(WEIGHTS[k] * v for k, v in used.items()) / sum(WEIGHTS[k] for k in used), 3)


def words(name: str) -> str:
    """``Dispatch_Pro_Priority__c`` / ``firstAppointmentId`` → ``dispatch pro priority`` / ``first appointment
    id``, every word through the synonym table."""
    name = re.sub(r"__(c|r)$", "", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    tokens = [t for t in re.split(r"[^A-Za-z0-9]+", name.lower()) if t]
    return " ".join(SYNONYMS.get(t, t) for t in tokens)


def name_score(source: str, target: str, target_label: str = "") -> float:
    """0..1: the better of the API name and the label."""
    a = words(source)
    return max(fuzz.token_set_ratio(a, words(target)), fuzz.token_set_ratio(a, words(target_label))) / 100


def type_family(data_type: str) -> str:
    t = data_type.upper()
    if t.startswith(("BOOL", "CHECKBOX")):
        return "bool"
    if t.startswith(("TIMESTAMP", "DATETIME")):
        return "datetime"
    if t.startswith("DATE"):
        return "date"
    if t in ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT", "UBIGINT"):
        return "int"
    if t.startswith(("DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMBER", "NUMERIC")):
        return "float"
    return "text"


def type_score(source_type: str, target_type: str) -> tuple[float, str]:
    fam = type_family(source_type)
    if target_type in SAFE.get(fam, set()):
        return 1.0, f"type {source_type} fits {target_type}"
    if target_type in RISKY.get(fam, set()):
        return 0.5, f"type {source_type} → {target_type} converts (some values may not)"
    return 0.0, f"type {source_type} cannot be written to {target_type}"


def picklist_overlap(values: tuple[str, ...], picklist: tuple[str, ...]) -> tuple[float | None, str]:
    if not picklist or not values:
        return None, ""
    hit = [v for v in values if v in picklist]
    return len(hit) / len(values), f"{len(hit)}/{len(values)} source values are picklist values"


def length_fit(max_length: int | None, length: int | None) -> tuple[float | None, str]:
    if not max_length or not length:
        return None, ""
    if max_length <= length:
        return 1.0, f"longest value {max_length} fits length {length}"
    return 0.0, f"longest value {max_length} is longer than {length} (would be flagged, never cut)"


def score(src: SourceField, tgt: TargetField) -> Score:
    """Every part of the fit of ``src`` into ``tgt``, with its reasons."""
    name = name_score(src.column, tgt.name, tgt.label)
    typ, type_reason = type_score(src.data_type, tgt.type)
    pick, pick_reason = picklist_overlap(src.values, tgt.picklist) if tgt.type == "picklist" else (None, "")
    texts = ("string", "textarea", "email", "phone", "url")
    length, length_reason = length_fit(src.max_length, tgt.length) if tgt.type in texts else (None, "")
    reasons = [f"name {name:.0%} like {tgt.name}", type_reason, pick_reason, length_reason]
    return Score(name, typ, pick, length, [r for r in reasons if r])


def best_value(value: str, choices: list[str]) -> tuple[str | None, float]:
    """The target picklist value closest to a source value, 0..1: the same value 1.0, the same after the
    synonym table 0.9, else rapidfuzz's WRatio of the folded words."""
    if not choices:
        return None, 0.0
    if value in choices:
        return value, 1.0
    folded = {c: words(c) for c in choices}
    target = words(value)
    same = [c for c, w in folded.items() if w == target]
    if same:
        return same[0], 0.9
    match = process.extractOne(target, folded, scorer=fuzz.WRatio)
    return (match[2], round(match[1] / 100, 3)) if match else (None, 0.0)
