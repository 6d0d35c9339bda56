"""Person Accounts: an org started with them (``control.up(..., person_accounts=True)``) publishes Account's
person fields (``IsPersonAccount``, ``PersonContactId``, ``FirstName``, ``LastName``, ``PersonEmail``,
``PersonMailing*``, ... and every custom Contact field as ``X__pc``) and has a ``PersonAccount`` record type.

An Account saved with a person record type needs ``LastName`` (``Name`` is the org's: first and last
name), takes no ``Name`` (sent at all, even unchanged); a business Account takes no person field (sent at
all, even empty), both refused with ``INVALID_FIELD_FOR_INSERT_UPDATE`` in a real org's words. Creating a
person account creates its person Contact (``IsPersonAccount`` true, ``AccountId`` the account, the person
fields copied), whose Id is ``PersonContactId``; updating the account's person fields updates that Contact;
deleting the account takes the Contact with it (Account → Contacts cascades). SOAP API guide, "Person
Account Record Types":
https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_guidelines_personaccounts.htm
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import record_types
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.metadata.model import FieldDef
from sandbox.salesforce.metadata.standard import address_fields, field_from_spec
from sandbox.salesforce.store import q
from sandbox.salesforce.values import now_iso

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

ADDRESS_PARTS = (
    "Street",
    "City",
    "State",
    "PostalCode",
    "Country",
    "Latitude",
    "Longitude",
    "GeocodeAccuracy",
)
# Account person field -> the person Contact's field
CONTACT_FIELD = {
    "FirstName": "FirstName",
    "LastName": "LastName",
    "Salutation": "Salutation",
    "PersonEmail": "Email",
    "PersonMobilePhone": "MobilePhone",
    "PersonHomePhone": "HomePhone",
    "PersonOtherPhone": "OtherPhone",
    "PersonAssistantPhone": "AssistantPhone",
    "PersonAssistantName": "AssistantName",
    "PersonTitle": "Title",
    "PersonDepartment": "Department",
    "PersonBirthdate": "Birthdate",
    "PersonLeadSource": "LeadSource",
    **{f"PersonMailing{p}": f"Mailing{p}" for p in ADDRESS_PARTS},
    **{f"PersonOther{p}": f"Other{p}" for p in ADDRESS_PARTS},
}
READ_ONLY = {"IsPersonAccount", "PersonContactId", "PersonMailingAddress", "PersonOtherAddress"}


def enabled(org: Org) -> bool:
    return bool(org.settings.get("person_accounts"))


def _person_fields(contact: Any) -> list[FieldDef]:
    """Account's person fields, copied from Contact's definitions."""
    out = [
        field_from_spec("IsPersonAccount", {"type": "boolean", "ro": True, "label": "Is Person Account"}),
        field_from_spec(
            "PersonContactId", {"type": "reference", "to": "Contact", "rel": "PersonContact", "ro": True}
        ),
    ]
    for account_name, contact_name in CONTACT_FIELD.items():
        src = contact.field(contact_name)
        if src is None or src.compound_field_name in {"MailingAddress", "OtherAddress"}:
            continue
        out.append(dataclasses.replace(src, name=account_name, nillable=True, compound_field_name=None))
    out += address_fields("PersonMailing", label_prefix="Mailing")
    out += address_fields("PersonOther", label_prefix="Other")
    return out


def _mirror_custom(org: Org) -> bool:
    """Every custom Contact field appears on Account as ``X__pc``; True when one was added."""
    account, contact = org.registry.get("Account"), org.registry.get("Contact")
    added = False
    for f in list(contact.fields.values()):
        if not f.custom or not f.name.endswith("__c"):
            continue
        name = f.name[:-3] + "__pc"
        if account.field(name) is not None:
            continue
        rel = f.relationship_name[:-3] + "__pr" if (f.relationship_name or "").endswith("__r") else None
        account.add_field(
            dataclasses.replace(
                f,
                name=name,
                unique=False,
                external_id=False,
                relationship_name=rel,
                child_relationship_name=None,
                child_cascade_delete=False,
                child_restricted_delete=False,
            )
        )
        added = True
    return added


def enable(org: Org) -> None:
    """Turn Person Accounts on (for good, as in a real org): fields, the person and business record types."""
    with org.write_lock:
        account, contact = org.registry.get("Account"), org.registry.get("Contact")
        if account.field("IsPersonAccount") is None:
            for f in _person_fields(contact):
                account.add_field(f)
            contact.add_field(
                field_from_spec(
                    "IsPersonAccount", {"type": "boolean", "ro": True, "label": "Is Person Account"}
                )
            )
        _mirror_custom(org)
        org.settings["person_accounts"] = True
        org.store.set_meta("settings", org.settings)
        for obj in (account, contact):
            org.store.ensure_table(obj)
        record_types.schema_changed(org)
    existing = record_types.of_object(org, "Account")
    if not any(not d["person"] for d in existing):
        record_types.define(
            org, {"object": "Account", "developer_name": "Business_Account", "name": "Business Account"}
        )
    if not any(d["person"] for d in existing):
        record_types.define(
            org,
            {
                "object": "Account",
                "developer_name": "PersonAccount",
                "name": "Person Account",
                "person": True,
            },
        )


def after_deploy(org: Org) -> None:
    """Custom Contact fields a deploy added become Account ``__pc`` fields."""
    if enabled(org) and _mirror_custom(org):
        org.store.ensure_table(org.registry.get("Account"))
        record_types.schema_changed(org)


def _person_types(org: Org) -> set[str]:
    return {d["id"] for d in record_types.of_object(org, "Account") if d["person"]}


def person_only(name: str) -> bool:
    """A field only a person account takes."""
    return name in CONTACT_FIELD or name.endswith("__pc")


def before_save(writer: Any, rows: list[Any], existing: dict[str, dict] | None) -> None:
    """Person or business account: the fields each takes, LastName required, Name computed."""
    if writer.table != "Account" or not enabled(writer.org):
        return
    person_types = _person_types(writer.org)
    for r in rows:
        if r.result.error:
            continue
        before = (existing or {}).get(r.result.id or "", {}) if existing is not None else {}
        rt = r.values.get("RecordTypeId", before.get("RecordTypeId"))
        is_person = rt in person_types
        if existing is not None and bool(before.get("IsPersonAccount")) != is_person:
            r.result.error = RecordError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                "The sandbox org does not convert between business and person accounts",
                ["RecordTypeId"],
            )
            continue
        merged = {**before, **r.values}
        if not is_person:
            # a person field sent for a business account, even empty: "Account: bad field names on
            # insert/update call: TestCustomField1__pc, TestCustomField2__pc" (texei/texei-sfdx-plugin#51)
            wrong = sorted(k for k in r.values if person_only(k))
            if wrong:
                r.result.error = RecordError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    f"Account: bad field names on insert/update call: {', '.join(wrong)}",
                    wrong,
                )
            continue
        if "Name" in r.values:
            # Name sent for a person account, whatever its value: on insert "Unable to create/update
            # fields: Name. ..." (dhoechst/Salesforce-Test-Factory#14, codeulike/SandboxBerry#12), on
            # update "Account: bad field names on insert/update call: Name"
            # (sorenkrabbe/Chrome-Salesforce-inspector#38)
            message = (
                "Unable to create/update fields: Name. Please check the security settings of this field and "
                "verify that it is read/write for your profile or permission set."
                if existing is None
                else "Account: bad field names on insert/update call: Name"
            )
            r.result.error = RecordError("INVALID_FIELD_FOR_INSERT_UPDATE", message, ["Name"])
            continue
        if not merged.get("LastName"):
            r.result.error = RecordError(
                "REQUIRED_FIELD_MISSING", "Required fields are missing: [LastName]", ["LastName"]
            )
            continue
        r.values["Name"] = " ".join(p for p in (merged.get("FirstName"), merged.get("LastName")) if p)
        r.values["IsPersonAccount"] = 1


def _contact_values(account: dict[str, Any], contact: Any) -> dict[str, Any]:
    out = {}
    for name, value in account.items():
        target = CONTACT_FIELD.get(name) or (name[:-4] + "__c" if name.endswith("__pc") else None)
        if target and contact.field(target) is not None:
            out[target] = value
    return out


def after_insert(writer: Any, rows: list[Any]) -> None:
    """Each new person account gets its person Contact; ``PersonContactId`` points at it."""
    if writer.table != "Account" or not enabled(writer.org):
        return
    people = [r for r in rows if not r.result.error and r.values.get("IsPersonAccount")]
    if not people:
        return
    org = writer.org
    contact = org.registry.get("Contact")
    values = [_contact_values(r.values, contact) for r in people]
    extra = [
        {"AccountId": r.result.id, "IsPersonAccount": 1, "OwnerId": r.values.get("OwnerId")} for r in people
    ]
    results = org.writer("Contact").insert(values, extra=extra)
    now = now_iso()
    with org.store.transaction() as conn:
        for r, res in zip(people, results, strict=True):
            if res.id:
                conn.execute(
                    f"UPDATE {q('Account')} SET PersonContactId = ?, SystemModstamp = ? WHERE Id = ?",
                    (res.id, now, r.result.id),
                )


def after_update(writer: Any, rows: list[Any]) -> None:
    """A person account's person fields carry over to its person Contact."""
    if writer.table != "Account" or not enabled(writer.org):
        return
    contact = writer.org.registry.get("Contact")
    updates = []
    for r in rows:
        if r.result.error or not r.existing or not r.existing.get("IsPersonAccount"):
            continue
        changed = _contact_values(r.values, contact)
        if changed and r.existing.get("PersonContactId"):
            updates.append({"Id": r.existing["PersonContactId"], **changed})
    if updates:
        writer.org.writer("Contact").update(updates)
