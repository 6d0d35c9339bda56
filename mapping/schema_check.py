"""``dp2sf schema check``: compare the custom-field manifest with the target org's describe.

Lists precisely what is missing or different: objects, fields, types, lengths, precision/scale, picklist
values, external-id/unique flags, lookup targets, fields the org will not let us write. An issue is
*blocking* when the load would fail or lose data because of it (e.g. a missing field, a shorter length, a
missing picklist value); non-blocking differences (a longer length, an extra picklist value) are listed too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from simple_salesforce.exceptions import SalesforceError, SalesforceResourceNotFound

from core.errors import Dp2sfError
from core.fields import DBT_DIR, DESCRIBE_TYPES, TEXT_TYPES, SfField, load_field_list, person_only
from core.settings import Settings
from mapping.manifest import manifest_fields


class SchemaCheckError(Dp2sfError):
    """The target org could not be described (the message names the target and the cause)."""


@dataclass
class SchemaIssue:
    """One difference between the manifest and the org."""

    kind: str  # missing_object | missing_field | type | length | precision | picklist | external_id | ...
    object: str
    field: str
    expected: str
    actual: str
    blocking: bool

    def describe(self) -> str:
        where = f"{self.object}.{self.field}" if self.field else self.object
        return f"{where}: {self.kind} expected {self.expected}, org has {self.actual}"


@dataclass
class SchemaCheckResult:
    target: str
    objects_checked: int
    fields_checked: int
    issues: list[SchemaIssue] = field(default_factory=list)

    @property
    def blocking(self) -> list[SchemaIssue]:
        return [i for i in self.issues if i.blocking]

    @property
    def ok(self) -> bool:
        return not self.blocking


def compare_field(f: SfField, actual: dict | None) -> list[SchemaIssue]:
    """Differences between one manifest field and its describe entry (``None`` when the org lacks it)."""
    obj, name = f.object, f.name

    def issue(kind: str, expected: object, got: object, blocking: bool = True) -> SchemaIssue:
        return SchemaIssue(kind, obj, name, str(expected), str(got), blocking)

    if actual is None:
        return [issue("missing_field", f"a {f.type} field", "no such field")]
    issues = []
    allowed = DESCRIBE_TYPES.get(f.type, set())
    if actual["type"] not in allowed:
        issues.append(issue("type", f"{f.type} ({'/'.join(sorted(allowed))})", actual["type"]))
    if not actual.get("createable", True):
        issues.append(issue("not_createable", "createable", "read-only"))
    length = actual.get("length")
    if f.type in TEXT_TYPES and f.length and length and length != f.length:
        issues.append(issue("length", f.length, length, blocking=length < f.length))
    if f.type in ("Number", "Currency", "Percent") and f.custom:
        got = (actual.get("precision"), actual.get("scale"))
        want = (f.precision or 18, f.scale or 0)
        if got != want:
            short = (got[0] or 0) < want[0] or (got[1] or 0) < want[1]
            issues.append(issue("precision", f"{want[0]},{want[1]}", f"{got[0]},{got[1]}", blocking=short))
    if f.type == "Picklist":
        values = {p["value"] for p in actual.get("picklistValues", []) if p.get("active", True)}
        missing = [v for v in f.picklist_values if v not in values]
        if missing:
            issues.append(
                issue("picklist", "values " + "|".join(missing), "|".join(sorted(values)) or "none")
            )
        if f.custom and not actual.get("restrictedPicklist", False):
            issues.append(issue("restricted_picklist", "restricted", "unrestricted", blocking=False))
    if f.external_id and not actual.get("externalId", False):
        issues.append(issue("external_id", "externalId true", "false"))
    if f.unique and not actual.get("unique", False):
        issues.append(issue("unique", "unique true", "false"))
    if f.reference_to and f.type in ("Lookup", "MasterDetail"):
        targets = actual.get("referenceTo") or []
        if f.reference_to not in targets:
            issues.append(issue("reference_to", f.reference_to, ",".join(targets) or "nothing"))
    return issues


RECORD_TYPE_SEED = DBT_DIR / "seeds" / "map_record_type.csv"


def mapped_record_types(seed: Path = RECORD_TYPE_SEED) -> dict[str, set[str]]:
    """The record type developer names the mapping names, per object (seed ``map_record_type``)."""
    out: dict[str, set[str]] = {}
    if seed.is_file():
        with open(seed, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if (row.get("record_type") or "").strip():
                    out.setdefault(row["object_name"].strip(), set()).add(row["record_type"].strip())
    return out


def record_type_issues(object_name: str, described: dict, wanted: set[str]) -> list[SchemaIssue]:
    """Each mapped record type must be in the describe's ``recordTypeInfos``, active and available to the
    migration user (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_describe.htm)."""
    infos = {i.get("developerName"): i for i in described.get("recordTypeInfos") or [] if not i.get("master")}
    issues = []
    for name in sorted(wanted):
        info = infos.get(name)
        if info is None:
            found = "no such record type" + (f" (it has {', '.join(sorted(infos))})" if infos else " (none)")
        elif not info.get("active"):
            found = "an inactive record type"
        elif not info.get("available"):
            found = "a record type not available to this user (profile or permission set)"
        else:
            continue
        issues.append(SchemaIssue("record_type", object_name, "RecordTypeId", name, found, True))
    return issues


def _describe(sf, object_name: str) -> dict | None:
    try:
        return getattr(sf, object_name).describe()
    except SalesforceResourceNotFound:
        return None


def person_account_issues(described: dict | None) -> list[SchemaIssue]:
    """Residential customers as Person Accounts need an org with them: Account's describe shows
    ``IsPersonAccount`` and a person record type (SOAP API guide, "Person Account Record Types":
    https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_guidelines_personaccounts.htm)."""
    names = {f["name"] for f in (described or {}).get("fields", [])}
    if "IsPersonAccount" in names:
        return []
    return [
        SchemaIssue(
            "person_accounts",
            "Account",
            "IsPersonAccount",
            "Person Accounts enabled (DP2SF_PERSON_ACCOUNTS=true)",
            "no Person Accounts: enable them, or set DP2SF_PERSON_ACCOUNTS=false",
            True,
        )
    ]


def run_schema_check(
    settings: Settings,
    target: str = "sandbox",
    invoices: str = "custom",
    person_accounts: bool | None = None,
) -> SchemaCheckResult:
    """Describe every object of the manifest on ``target`` and list what is missing or different.

    The person-only Account fields (``core.fields.person_only``) are checked when residential customers
    become Person Accounts: ``person_accounts``, else the setting, else whether the org has them."""
    from core.connection import ConnectionConfigError, sf_client

    field_list = load_field_list()
    try:
        sf = sf_client(settings, target)
    except ConnectionConfigError as exc:
        raise SchemaCheckError(f"cannot connect to target {target!r}: {exc}") from None
    if person_accounts is None:
        person_accounts = settings.person_accounts
    fields = manifest_fields(field_list, invoices)
    account = None
    if person_accounts is None or person_accounts:
        try:
            account = _describe(sf, "Account")
        except (SalesforceError, OSError) as exc:
            raise SchemaCheckError(f"describe of Account on {target!r} failed: {exc}") from None
        if person_accounts is None:
            person_accounts = not person_account_issues(account)
    if not person_accounts:
        fields = [f for f in fields if not person_only(f.object, f.name)]
    objects = sorted({f.object for f in fields})
    result = SchemaCheckResult(target=target, objects_checked=len(objects), fields_checked=len(fields))
    if person_accounts:
        result.issues.extend(person_account_issues(account))
    record_types = mapped_record_types()
    for object_name in objects:
        try:
            described = _describe(sf, object_name)
        except (SalesforceError, OSError) as exc:
            raise SchemaCheckError(f"describe of {object_name} on {target!r} failed: {exc}") from None
        if described is None:
            result.issues.append(
                SchemaIssue("missing_object", object_name, "", "a custom object", "no such object", True)
            )
            continue
        by_name = {d["name"].lower(): d for d in described.get("fields", [])}
        for f in (f for f in fields if f.object == object_name):
            result.issues.extend(compare_field(f, by_name.get(f.name.lower())))
        result.issues.extend(record_type_issues(object_name, described, record_types.get(object_name, set())))
    return result
