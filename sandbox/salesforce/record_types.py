"""Record types: defined by an admin call, queryable as ``RecordType``, published in the describe's
``recordTypeInfos``, and checked on save (``RecordTypeId`` must be an active record type of the object; a new
record without one gets the object's default record type)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import automation
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.metadata.describe import MASTER_RECORD_TYPE_ID
from sandbox.salesforce.metadata.model import FieldDef
from sandbox.salesforce.values import now_iso

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

DEVELOPER_NAME = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*(?<!_)$")


def schema_changed(org: Org) -> None:
    """What a deploy does after changing the registry: writers recompiled, relationships re-read, saved."""
    org._writers.clear()
    org._children = None
    org.save_registry()


def ensure_field(org: Org, obj: Any) -> None:
    """The object gains ``RecordTypeId`` (a real org shows the field once the object has record types)."""
    if obj.field("RecordTypeId") is not None:
        return
    obj.add_field(
        FieldDef(
            name="RecordTypeId",
            label="Record Type ID",
            type="reference",
            reference_to=["RecordType"],
            relationship_name="RecordType",
        )
    )
    org.store.ensure_table(obj)
    schema_changed(org)


def define(org: Org, body: dict) -> dict:
    """``{object, developer_name, name, active, default, person, description}`` → the stored definition."""
    obj = automation.object_of(org, body.get("object"))
    dev = str(body.get("developer_name") or "")
    if not DEVELOPER_NAME.match(dev) or dev == "Master":
        raise automation.bad(f"developer_name {dev!r} is not a valid record type name")
    person = bool(body.get("person", False))
    if person and obj.name != "Account":
        raise automation.bad("person record types exist on Account only")
    if person and not org.settings.get("person_accounts"):
        raise automation.bad("person record types need an org with Person Accounts enabled")
    definition = {
        "id": automation.new_id(org, "012"),
        "object": obj.name,
        "developer_name": dev,
        "name": str(body.get("name") or dev.replace("_", " ")),
        "active": bool(body.get("active", True)),
        "default": bool(body.get("default", False)),
        "person": person,
        "description": body.get("description"),
        "created": now_iso(),
    }
    with org.write_lock:
        ensure_field(org, obj)
        data = automation.load(org)
        items = data["record_types"]
        old = next(
            (d for d in items if (d["object"], d["developer_name"].lower()) == (obj.name, dev.lower())), None
        )
        if old is not None:
            definition["id"], definition["created"] = old["id"], old["created"]
            items[items.index(old)] = definition
        else:
            items.append(definition)
        mine = [d for d in items if d["object"] == obj.name]
        if definition["default"] and definition["active"]:
            for d in mine:
                d["default"] = d is definition
        if not any(d["default"] and d["active"] for d in mine):
            first = next((d for d in mine if d["active"] and not d["person"]), None)
            for d in mine:
                d["default"] = d is first
        automation.save(org, data)
    return definition


def of_object(org: Org, object_name: str) -> list[dict]:
    """The record types defined on an object."""
    return automation.of_kind(org, "record_types", object_name)


def record_type_infos(org: Org, object_name: str, version: str) -> list[dict] | None:
    """``recordTypeInfos`` as a real org publishes them (by name, Master included; the default one carries
    ``defaultRecordTypeMapping``), or None when the object has no record types of its own."""
    defined = of_object(org, object_name)
    if not defined:
        return None
    has_default = any(d["default"] and d["active"] for d in defined)
    base = f"/services/data/v{version}/sobjects/{object_name}/describe/layouts/"
    infos = [
        {
            "active": d["active"],
            "available": d["active"],
            "defaultRecordTypeMapping": bool(d["default"] and d["active"]),
            "developerName": d["developer_name"],
            "master": False,
            "name": d["name"],
            "recordTypeId": d["id"],
            "urls": {"layout": base + d["id"]},
        }
        for d in defined
    ]
    infos.append(
        {
            "active": True,
            "available": True,
            "defaultRecordTypeMapping": not has_default,
            "developerName": "Master",
            "master": True,
            "name": "Master",
            "recordTypeId": MASTER_RECORD_TYPE_ID,
            "urls": {"layout": base + MASTER_RECORD_TYPE_ID},
        }
    )
    return sorted(infos, key=lambda i: i["name"].lower())


def check_rows(writer: Any, rows: list[Any], insert: bool) -> None:
    """``RecordTypeId`` on save: an active record type of this object, else ``INVALID_CROSS_REFERENCE_KEY``
    "Record Type ID: this ID value isn't valid for the user: <id>"; a new record without one gets the
    object's default record type."""
    if writer.obj.field("RecordTypeId") is None:
        return
    defined = of_object(writer.org, writer.obj.name)
    active = {d["id"] for d in defined if d["active"]}
    default = next((d["id"] for d in defined if d["default"] and d["active"]), None)
    for r in rows:
        if r.result.error:
            continue
        given = r.values.get("RecordTypeId")
        if given is None:
            if insert and default:
                r.values["RecordTypeId"] = default
            elif "RecordTypeId" in r.values:
                del r.values["RecordTypeId"]  # a record keeps its record type
            continue
        if given not in active:
            r.result.error = RecordError(
                "INVALID_CROSS_REFERENCE_KEY",
                f"Record Type ID: this ID value isn't valid for the user: {given}",
                ["RecordTypeId"],
            )


# -- sfdx deploys: objects/<Object>/recordTypes/<Name>.recordType-meta.xml ----------------------------------
# (Metadata API RecordType: fullName, label, active, description; the default record type is a profile
# setting, not part of the file: https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_recordtype.htm)
RECORD_TYPE_PATH = re.compile(r"(?:^|/)objects/([^/]+)/recordTypes/([^/]+)\.recordType(?:-meta\.xml)?$")
OBJECT_PATH = re.compile(r"(?:^|/)objects/([^/]+)/\1\.object-meta\.xml$")


def _deployed(files: dict[str, str]) -> list[tuple[str, str, str, Any]]:
    """(path, object, name, parsed body or the MetadataError) of each record type file."""
    from sandbox.salesforce.metadata.sfdx import MetadataError, parse_xml

    out = []
    for path in sorted(files):
        m = RECORD_TYPE_PATH.search(path.replace("\\", "/"))
        if not m:
            continue
        try:
            body: Any = parse_xml(files[path], "RecordType")
        except MetadataError as exc:
            body = exc
        out.append((path, m.group(1), m.group(2), body))
    return out


def check_deploy(org: Org, files: dict[str, str]) -> list[dict]:
    """Problems of the record type files of a deploy (the deploy fails as a whole when there are any)."""
    new_objects = {m.group(1).lower() for p in files if (m := OBJECT_PATH.search(p.replace("\\", "/")))}
    problems = []
    for path, obj, name, body in _deployed(files):
        message = None
        if isinstance(body, Exception):
            message = str(body)
        elif org.registry.get(obj) is None and obj.lower() not in new_objects:
            message = f"object {obj} does not exist in the org or in this deploy"
        elif not DEVELOPER_NAME.match(name) or not (body.get("label") or "").strip():
            message = "a record type needs a valid fullName and a <label>"
        if message:
            problems.append(
                {
                    "componentType": "RecordType",
                    "fullName": f"{obj}.{name}",
                    "fileName": path,
                    "problem": message,
                    "problemType": "Error",
                    "lineNumber": None,
                    "columnNumber": None,
                }
            )
    return problems


def apply_deploy(org: Org, files: dict[str, str], result: dict) -> None:
    """Define the deployed record types; their components in ``result`` say RecordType, not ignored."""
    applied = {}
    for path, obj, name, body in _deployed(files):
        existed = any(d["developer_name"].lower() == name.lower() for d in of_object(org, obj))
        define(
            org,
            {
                "object": obj,
                "developer_name": name,
                "name": body.get("label"),
                "active": str(body.get("active", "true")).strip().lower() == "true",
                "description": body.get("description") or None,
            },
        )
        applied[path] = (f"{obj}.{name}", existed)
    for comp in result.get("components", []):
        if comp.get("fileName") in applied:
            full_name, existed = applied[comp["fileName"]]
            comp.update(
                {
                    "componentType": "RecordType",
                    "fullName": full_name,
                    "created": not existed,
                    "changed": existed,
                }
            )
            comp.pop("ignored", None)
