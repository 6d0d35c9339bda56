"""Describe payloads (per sObject and global) built from ObjectDefs, shaped like a real org's."""

from __future__ import annotations

from collections.abc import Iterable

from .model import ObjectDef

DEFAULT_API_VERSION = "62.0"
MASTER_RECORD_TYPE_ID = "012000000000000AAA"

# Object-level describe flags and their defaults; ObjectDef.props overrides any of them.
_OBJECT_FLAG_DEFAULTS = {
    "activateable": False,
    "associateEntityType": None,
    "associateParentEntity": None,
    "customSetting": False,
    "deepCloneable": False,
    "deprecatedAndHidden": False,
    "feedEnabled": False,
    "hasSubtypes": False,
    "isInterface": False,
    "isSubtype": False,
    "layoutable": True,
    "mergeable": False,
    "mruEnabled": True,
    "replicateable": True,
    "retrieveable": True,
    "searchable": True,
    "triggerable": True,
}


def _flags(obj: ObjectDef) -> dict:
    flags = {**_OBJECT_FLAG_DEFAULTS, **obj.props}
    if obj.custom:
        flags.setdefault("mruEnabled", True)
    return flags


def object_urls(obj: ObjectDef, api_version: str = DEFAULT_API_VERSION, *, full: bool = False) -> dict:
    """The ``urls`` block: sobject, describe, rowTemplate, and the layout URLs for layoutable objects."""
    base = f"/services/data/v{api_version}/sobjects/{obj.name}"
    urls = {"rowTemplate": f"{base}/{{ID}}", "describe": f"{base}/describe", "sobject": base}
    if _flags(obj)["layoutable"]:
        urls.update(
            {
                "compactLayouts": f"{base}/describe/compactLayouts",
                "approvalLayouts": f"{base}/describe/approvalLayouts",
                "listviews": f"{base}/listviews",
                "quickActions": f"{base}/quickActions",
                "layouts": f"{base}/describe/layouts",
            }
        )
        if full:
            urls["defaultValues"] = f"{base}/defaultValues?recordTypeId&fields"
    return urls


def global_entry(obj: ObjectDef, api_version: str = DEFAULT_API_VERSION) -> dict:
    """One ``sobjects[]`` entry of the global describe."""
    flags = _flags(obj)
    entry = {
        **{k: flags[k] for k in ("activateable", "associateEntityType", "associateParentEntity")},
        "createable": obj.createable,
        "custom": obj.custom,
        **{k: flags[k] for k in ("customSetting", "deepCloneable")},
        "deletable": obj.deletable,
        **{
            k: flags[k]
            for k in ("deprecatedAndHidden", "feedEnabled", "hasSubtypes", "isInterface", "isSubtype")
        },
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        **{k: flags[k] for k in ("layoutable", "mergeable", "mruEnabled")},
        "name": obj.name,
        "queryable": obj.queryable,
        **{k: flags[k] for k in ("replicateable", "retrieveable", "searchable", "triggerable")},
        "undeletable": obj.undeletable,
        "updateable": obj.updateable,
        "urls": object_urls(obj, api_version),
    }
    return entry


def child_relationships(parent: str, objects: Iterable[ObjectDef]) -> list[dict]:
    """The childRelationships of ``parent``: every reference field of any object that points at it."""
    out = []
    for child in objects:
        for f in child.fields.values():
            if f.type == "reference" and parent in f.reference_to:
                out.append(
                    {
                        "cascadeDelete": f.child_cascade_delete,
                        "childSObject": child.name,
                        "deprecatedAndHidden": False,
                        "field": f.name,
                        "junctionIdListNames": [],
                        "junctionReferenceTo": [],
                        "relationshipName": f.child_relationship_name,
                        "restrictedDelete": f.child_restricted_delete,
                    }
                )
    return sorted(out, key=lambda c: (c["childSObject"], c["field"]))


def sobject_describe(obj: ObjectDef, children: list[dict], api_version: str = DEFAULT_API_VERSION) -> dict:
    """The full ``GET /sobjects/X/describe`` body."""
    entry = global_entry(obj, api_version)
    entry["urls"] = object_urls(obj, api_version, full=True)
    flags = _flags(obj)
    body = {
        **entry,
        "actionOverrides": [],
        "childRelationships": children,
        "compactLayoutable": flags["layoutable"],
        "defaultImplementation": None,
        "extendedBy": None,
        "extendsInterfaces": None,
        "fields": [f.describe() for f in obj.fields.values()],
        "implementedBy": None,
        "implementsInterfaces": None,
        "listviewable": None,
        "lookupLayoutable": None,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "recordTypeInfos": [
            {
                "active": True,
                "available": True,
                "defaultRecordTypeMapping": True,
                "developerName": "Master",
                "master": True,
                "name": "Master",
                "recordTypeId": MASTER_RECORD_TYPE_ID,
                "urls": {
                    "layout": f"/services/data/v{api_version}/sobjects/{obj.name}/describe/layouts/"
                    f"{MASTER_RECORD_TYPE_ID}"
                },
            }
        ]
        if flags["layoutable"]
        else [],
        "searchLayoutable": flags["searchable"],
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [{"label": f"All {obj.label_plural.lower()}", "name": "everything"}],
    }
    return dict(sorted(body.items()))


def global_describe(objects: Iterable[ObjectDef], api_version: str = DEFAULT_API_VERSION) -> dict:
    """The ``GET /sobjects`` body."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [global_entry(o, api_version) for o in sorted(objects, key=lambda o: o.name)],
    }
