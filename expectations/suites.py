"""Expectation suites generated from the target org's describe (not from the seeds: those feed dbt's tests).

One suite per mart. Each expectation carries ``meta`` = {rule, field, reason} and a severity: ``critical``
expectations are blocking (their rows go to ``gates.gates_all``), ``warning`` ones are reported only. Every
column is read as text (``validate.read_chunks``), so lengths, picklist values, number digits and date ranges
are checked on the exact text the loader sends:

| rule | from the describe | GX expectation |
|---|---|---|
| missing_field | a mart column the org lacks (or a lookup whose relationship it lacks) | values to be null |
| not_writable | a field the org will not let us create | values to be null |
| too_long | ``length`` of text, email, phone, url, picklist fields | value lengths between 0 and length |
| invalid_picklist | restricted picklist: active values (unrestricted: warning) | values in set |
| missing_required | not nillable, createable, not defaulted on create | values not null |
| number_too_large | precision - scale integer digits (``digits`` for int) | regex on the text |
| number_rounded (warning) | more decimals than ``scale``: Salesforce rounds | regex on the text |
| invalid_email | type email | regex |
| phone_format (warning) | type phone | regex |
| date_out_of_range | date/datetime outside Salesforce's 1700-01-01 .. 4000-12-31 | regex on ISO text |
| duplicate_external_id | externalId or unique fields | values unique |
| validation_rule:<name> | the org's active validation rules (``formula.py``) | derived column not true |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ids import EXTERNAL_ID

TEXT_TYPES = {"string", "textarea", "email", "phone", "url", "picklist", "combobox", "encryptedstring"}
NUMBER_TYPES = {"double", "currency", "percent", "int"}
DATE_TYPES = {"date", "datetime"}
# Salesforce's email check is close to this: a local part, @, a domain with a dot
EMAIL_REGEX = (
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
PHONE_REGEX = r"^\+?[0-9 ().\-/]{7,}(?:\s*(?:x|ext\.?|#)\s*[0-9]+)?$"
DATE_REGEX = r"^(?:1[7-9][0-9]{2}|[23][0-9]{3}|4000)-"  # years 1700..4000
# helper columns the loader turns into a field (dbt_project/README.md, "Contract with the loader")
HELPER_COLUMNS = {
    "OwnerId": ["_owner_email"],
    "WhatId": ["_what_case_key"],
    "FirstPublishLocationId": ["_first_publish_case_key"],
    "User__c": ["_user_email"],
    "VersionData": ["_local_path", "_content_base64", "_content_text"],
}
UPSERT_KEY = EXTERNAL_ID
SKIP_REQUIRED_TYPES = {"id", "boolean", "address", "location"}


@dataclass
class Rule:
    """One generated check: a GX expectation type with its kwargs, plus what a person reads."""

    object: str
    column: str  # the frame column the expectation reads
    field: str  # the Salesforce field it protects
    rule: str
    expectation: str  # GX class name, e.g. ExpectColumnValuesToNotBeNull
    kwargs: dict
    reason: str
    blocking: bool = True
    derived: dict | None = None  # how validate builds a column the mart lacks: {"kind": ..., ...}


@dataclass
class ObjectRules:
    """Rules of one mart, with what the suite was generated from."""

    object: str
    fingerprint: str
    rules: list[Rule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _number_regexes(f: dict) -> tuple[str, str | None, int]:
    if f["type"] == "int":
        digits = f.get("digits") or 9
        return rf"^[-+]?0*[0-9]{{0,{digits}}}$", None, digits
    precision, scale = f.get("precision") or 18, f.get("scale") or 0
    whole = max(precision - scale, 0)
    too_large = rf"^[-+]?0*[0-9]{{0,{whole}}}(?:\.[0-9]*)?$"
    rounded = rf"^[-+]?[0-9]*(?:\.[0-9]{{0,{scale}}}0*)?$" if scale else r"^[-+]?[0-9]*(?:\.0*)?$"
    return too_large, rounded, whole


def _field_rules(obj: str, column: str, f: dict) -> list[Rule]:
    name, ftype = f["name"], f["type"]
    where = f"{obj}.{name}"
    out: list[Rule] = []

    def add(rule: str, expectation: str, reason: str, blocking: bool = True, **kwargs) -> None:
        out.append(Rule(obj, column, name, rule, expectation, {"column": column, **kwargs}, reason, blocking))

    if not f.get("createable", True):
        add("not_writable", "ExpectColumnValuesToBeNull", f"{where} is read-only in the org")
        return out
    if ftype in TEXT_TYPES and f.get("length"):
        add(
            "too_long",
            "ExpectColumnValueLengthsToBeBetween",
            f"longer than the {f['length']} characters {where} holds in the org (never cut)",
            min_value=0,
            max_value=f["length"],
        )
    if ftype == "picklist":
        values = [p["value"] for p in f.get("picklistValues") or [] if p.get("active", True)]
        restricted = bool(f.get("restrictedPicklist"))
        add(
            "invalid_picklist" if restricted else "unlisted_picklist_value",
            "ExpectColumnValuesToBeInSet",
            f"not an active value of the {'restricted ' if restricted else ''}picklist {where}",
            blocking=restricted,
            value_set=values,
        )
    if ftype in NUMBER_TYPES:
        too_large, rounded, whole = _number_regexes(f)
        add(
            "number_too_large",
            "ExpectColumnValuesToMatchRegex",
            f"more than {whole} digits before the decimal point for {where}",
            regex=too_large,
        )
        if rounded:
            add(
                "number_rounded",
                "ExpectColumnValuesToMatchRegex",
                f"more than {f.get('scale') or 0} decimals: Salesforce rounds {where}",
                blocking=False,
                regex=rounded,
            )
    if ftype == "email":
        add("invalid_email", "ExpectColumnValuesToMatchRegex", f"not an email address {where} accepts",
            regex=EMAIL_REGEX)  # fmt: skip
    if ftype == "phone":
        add("phone_format", "ExpectColumnValuesToMatchRegex", f"does not look like a phone number ({where})",
            blocking=False, regex=PHONE_REGEX)  # fmt: skip
    if ftype in DATE_TYPES:
        add(
            "date_out_of_range",
            "ExpectColumnValuesToMatchRegex",
            f"outside Salesforce's date range 1700-01-01..4000-12-31 ({where})",
            regex=DATE_REGEX,
        )
    if f.get("externalId") or f.get("unique"):
        add("duplicate_external_id", "ExpectColumnValuesToBeUnique", f"the same value twice in {where} "
            "(an upsert or a unique field takes it once)")  # fmt: skip
    return out


def _required_rules(obj: str, described: dict, columns: list[str]) -> list[Rule]:
    """Not-null rules for the fields the org requires on create, read from the column that feeds each."""
    out = []
    lower = {c.lower(): c for c in columns}
    for f in described.get("fields", []):
        required = not f.get("nillable", True) and f.get("createable", True)
        required = required and not f.get("defaultedOnCreate", False)
        if not required or f["type"] in SKIP_REQUIRED_TYPES:
            continue
        name = f["name"]
        reason = f"{obj}.{name} is required by the org (not nillable, no default)"
        providers: list[str] = []
        if name.lower() in lower:
            providers = [lower[name.lower()]]
        elif f["type"] == "reference" and f.get("relationshipName"):
            prefix = f"{f['relationshipName']}.".lower()
            providers = [c for c in columns if c.lower().startswith(prefix)]
        if not providers:
            providers = [c for c in HELPER_COLUMNS.get(name, []) if c in columns]
        derived = None
        if len(providers) == 1:
            column = providers[0]
        else:
            column = f"__required__{name}"
            derived = {"kind": "coalesce", "columns": providers}
            if not providers:
                reason += " and the mart has no column for it"
        out.append(
            Rule(
                obj,
                column,
                name,
                "missing_required",
                "ExpectColumnValuesToNotBeNull",
                {"column": column},
                reason,
                True,
                derived,
            )  # fmt: skip
        )
    return out


def generate_rules(
    obj: str,
    described: dict | None,
    columns: list[str],
    fingerprint: str,
    validation_rules: list | None = None,
) -> ObjectRules:
    """The rules of one mart from its object's describe, the validation rules and the mart's columns."""
    result = ObjectRules(obj, fingerprint)
    if described is None:
        result.rules.append(
            Rule(
                obj,
                UPSERT_KEY,
                UPSERT_KEY,
                "missing_object",
                "ExpectColumnValuesToBeNull",
                {"column": UPSERT_KEY},
                f"the org has no object {obj}",
            )  # fmt: skip
        )
        return result
    by_name = {f["name"].lower(): f for f in described.get("fields", [])}
    by_rel = {
        (f.get("relationshipName") or "").lower(): f
        for f in described.get("fields", [])
        if f["type"] == "reference"
    }
    for column in columns:
        if column.startswith("_"):
            continue
        if "." in column:  # a lookup written as Relationship.External_Id__c
            rel = column.split(".", 1)[0]
            if rel.lower() not in by_rel:
                result.rules.append(
                    Rule(
                        obj,
                        column,
                        rel,
                        "missing_field",
                        "ExpectColumnValuesToBeNull",
                        {"column": column},
                        f"the org has no lookup {obj}.{rel} (relationship name)",
                    )  # fmt: skip
                )
            continue
        f = by_name.get(column.lower())
        if f is None:
            result.rules.append(
                Rule(
                    obj,
                    column,
                    column,
                    "missing_field",
                    "ExpectColumnValuesToBeNull",
                    {"column": column},
                    f"the org has no field {obj}.{column}",
                )  # fmt: skip
            )
            continue
        result.rules.extend(_field_rules(obj, column, f))
    if UPSERT_KEY in columns:
        result.rules.append(
            Rule(
                obj,
                UPSERT_KEY,
                UPSERT_KEY,
                "missing_upsert_key",
                "ExpectColumnValuesToNotBeNull",
                {"column": UPSERT_KEY},
                f"no {UPSERT_KEY}: the upsert needs it",
            )  # fmt: skip
        )
    result.rules.extend(_required_rules(obj, described, columns))
    result.rules.extend(_validation_rule_rules(obj, validation_rules or [], result.notes))
    return result


def _validation_rule_rules(obj: str, validation_rules: list, notes: list[str]) -> list[Rule]:
    """One rule per active validation rule whose formula is in the subset ``formula.py`` evaluates."""
    from expectations.formula import FormulaError, parse

    out = []
    for vr in (v for v in validation_rules if v.object == obj):
        try:
            parse(vr.formula)
        except FormulaError as exc:
            notes.append(
                f"validation rule {obj}.{vr.name} not evaluated here ({exc}); the org still enforces it"
            )
            continue
        column = f"__rule__{vr.name}"
        out.append(
            Rule(
                obj,
                column,
                vr.display_field or vr.name,
                f"validation_rule:{vr.name}",
                "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": [False]},
                f"the org's validation rule {vr.name}: {vr.message}",
                True,
                {"kind": "formula", "formula": vr.formula},
            )  # fmt: skip
        )
    return out
