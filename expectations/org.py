"""What the gates read from the target org: describe, active Users, ``/limits``, validation rules.

Only reads: ``sobjects/<Object>/describe``, SOQL on ``User``, ``/limits`` and the Tooling API's
``ValidationRule`` (https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/
tooling_api_objects_validationrule.htm: the formula is in ``Metadata.errorConditionFormula``, readable one
record at a time). An org that does not answer the Tooling API is reported, not guessed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from simple_salesforce.exceptions import SalesforceError, SalesforceResourceNotFound

from core.errors import Dp2sfError
from core.settings import Settings


class OrgReadError(Dp2sfError):
    """The org could not be reached or described (the message names the target and the cause)."""


@dataclass
class ValidationRule:
    """One active validation rule of the org."""

    object: str
    name: str
    formula: str
    message: str
    display_field: str | None = None


@dataclass
class OrgMetadata:
    """The describes of the objects the marts write, plus the org's active validation rules."""

    target: str
    describes: dict[str, dict | None]  # None: the org has no such object
    validation_rules: list[ValidationRule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fingerprint(self, object_name: str) -> str:
        """A short hash of what the suite of ``object_name`` is generated from."""
        described = self.describes.get(object_name)
        fields = sorted(
            (
                f["name"],
                f["type"],
                f.get("length"),
                f.get("precision"),
                f.get("scale"),
                f.get("nillable"),
                f.get("createable"),
                f.get("defaultedOnCreate"),
                f.get("externalId"),
                f.get("unique"),
                f.get("restrictedPicklist"),
                f.get("relationshipName"),
                tuple(p["value"] for p in f.get("picklistValues") or [] if p.get("active", True)),
            )
            for f in (described or {}).get("fields", [])
        )
        rules = sorted((r.name, r.formula) for r in self.validation_rules if r.object == object_name)
        blob = json.dumps([fields, rules], default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def connect_target(settings: Settings):
    """A simple-salesforce client for ``settings.target`` (the sandbox org reads endpoints.json)."""
    from core.connection import ConnectionConfigError, sf_client

    try:
        return sf_client(settings)
    except ConnectionConfigError as exc:
        raise OrgReadError(f"cannot connect to target {settings.target!r}: {exc}") from None


def describe_objects(sf, objects: list[str]) -> dict[str, dict | None]:
    """The describe of each object (None when the org has no such object)."""
    out: dict[str, dict | None] = {}
    for name in objects:
        try:
            out[name] = getattr(sf, name).describe()
        except SalesforceResourceNotFound:
            out[name] = None
        except (SalesforceError, OSError) as exc:
            raise OrgReadError(f"describe of {name} failed: {exc}") from None
    return out


def read_validation_rules(sf, objects: list[str]) -> tuple[list[ValidationRule], list[str]]:
    """Active validation rules of ``objects`` through the Tooling API; notes say what could not be read."""
    soql = (
        "SELECT Id, ValidationName, EntityDefinition.QualifiedApiName FROM ValidationRule WHERE Active = true"
    )
    try:
        found = sf.toolingexecute(f"query/?q={soql.replace(' ', '+')}")
    except (SalesforceError, OSError) as exc:
        return [], [
            f"validation rules not read: the org's Tooling API did not answer ({exc.__class__.__name__})"
        ]
    rules, notes = [], []
    for rec in found.get("records", []):
        obj = (rec.get("EntityDefinition") or {}).get("QualifiedApiName")
        if obj not in objects:
            continue
        try:
            full = sf.toolingexecute(f"sobjects/ValidationRule/{rec['Id']}")
        except (SalesforceError, OSError) as exc:
            notes.append(f"validation rule {obj}.{rec.get('ValidationName')} not read: {exc}")
            continue
        meta = full.get("Metadata") or {}
        rules.append(
            ValidationRule(
                object=obj,
                name=rec.get("ValidationName") or full.get("ValidationName") or rec["Id"],
                formula=meta.get("errorConditionFormula") or "",
                message=meta.get("errorMessage") or full.get("ErrorMessage") or "",
                display_field=meta.get("errorDisplayField"),
            )
        )
    return rules, notes


def read_org_metadata(settings: Settings, objects: list[str]) -> OrgMetadata:
    """Describe ``objects`` on the settings' target and read its active validation rules."""
    sf = connect_target(settings)
    describes = describe_objects(sf, objects)
    rules, notes = read_validation_rules(sf, objects)
    return OrgMetadata(settings.target, describes, rules, notes)


def person_accounts_on(settings: Settings, account_describe: dict | None) -> bool:
    """Whether residential customers become Person Accounts: ``settings.person_accounts`` when set, else
    whether the org has Person Accounts enabled (its Account describe has ``IsPersonAccount``,
    https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_account.htm)."""
    if settings.person_accounts is not None:
        return settings.person_accounts
    names = {f["name"] for f in (account_describe or {}).get("fields", [])}
    return "IsPersonAccount" in names


def active_users(sf) -> list[dict]:
    """Every active User with an email (Id, Name, Email)."""
    try:
        result = sf.query_all("SELECT Id, Name, Email, IsActive FROM User WHERE IsActive = true")
    except (SalesforceError, OSError) as exc:
        raise OrgReadError(f"query of the org's Users failed: {exc}") from None
    return [
        {"Id": r["Id"], "Name": r.get("Name"), "Email": r.get("Email")}
        for r in result["records"]
        if r.get("Email")
    ]


def org_limits(sf) -> dict[str, dict]:
    """The org's ``/limits`` (``{Name: {Max, Remaining}}``)."""
    try:
        return sf.limits()
    except (SalesforceError, OSError) as exc:
        raise OrgReadError(f"GET /limits failed: {exc}") from None
