"""Build the standard objects from the compact spec in ``standard_objects.yaml``.

A field spec is a mapping of FieldDef attribute names plus a few shorthands:
``to`` (referenceTo, a name or a list), ``rel`` (relationshipName), ``child`` (the parent's child
relationship name), ``ro: true`` (neither createable nor updateable), ``values`` (picklist values),
``default`` (default value; for a picklist it marks the entry) and ``address: <Prefix>`` (expands into the
compound address and its component fields).
Booleans default to not-nillable, defaulted on create, false; the audit fields are added to every object.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

import yaml

from .model import FieldDef, ObjectDef, PicklistValue

GEOCODE_ACCURACY = [
    "Address",
    "NearAddress",
    "Block",
    "Street",
    "ExtendedZip",
    "Zip",
    "Neighborhood",
    "City",
    "County",
    "State",
    "Unknown",
]
AUDIT_FIELDS = (
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)
_SHORTHANDS = {"to", "rel", "ro", "values", "default", "address", "child"}
_OBJECT_KEYS = {"createable", "updateable", "deletable", "queryable", "undeletable", "custom"}


def label_from_name(name: str) -> str:
    """A readable label from an API name: ``ParentId`` -> ``Parent ID``, ``Line_Item__c`` -> ``Line Item``."""
    base = re.sub(r"__(c|r)$", "", name).replace("_", " ")
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", base).split()
    return " ".join("ID" if w == "Id" else w for w in words)


def picklist(values: list[Any], default: str | None = None) -> list[PicklistValue]:
    """Picklist entries from plain values (or ``{value, label}`` mappings); ``default`` marks one."""
    out = []
    for v in values:
        value, label = (v["value"], v.get("label", v["value"])) if isinstance(v, dict) else (str(v), str(v))
        out.append(PicklistValue(value=value, label=label, default_value=value == default))
    return out


def field_from_spec(name: str, spec: dict[str, Any], *, custom: bool = False) -> FieldDef:
    """One FieldDef from a compact spec (see the module docstring)."""
    unknown = set(spec) - _SHORTHANDS - set(FieldDef.__dataclass_fields__)
    if unknown:
        raise ValueError(f"field {name!r}: unknown spec keys {sorted(unknown)}")
    kw = {k: v for k, v in spec.items() if k not in _SHORTHANDS}
    kw.setdefault("label", label_from_name(name))
    kw.setdefault("custom", custom)
    ftype = kw["type"]
    if spec.get("ro"):
        kw.setdefault("createable", False)
        kw.setdefault("updateable", False)
    if "to" in spec:
        refs = spec["to"] if isinstance(spec["to"], list) else [spec["to"]]
        kw["reference_to"] = list(refs)
        kw.setdefault("polymorphic_foreign_key", len(refs) > 1)
    if "rel" in spec:
        kw["relationship_name"] = spec["rel"]
    if "child" in spec:
        kw["child_relationship_name"] = spec["child"]
    if ftype == "boolean":
        kw.setdefault("nillable", False)
        kw.setdefault("defaulted_on_create", True)
        kw.setdefault("default_value", bool(spec.get("default", False)))
    elif "default" in spec:
        kw["default_value"] = spec["default"]
        kw.setdefault("defaulted_on_create", True)
    if ftype in ("picklist", "multipicklist", "combobox"):
        kw.setdefault("length", 255 if ftype == "multipicklist" else 40)
        kw["picklist_values"] = picklist(spec.get("values", []), spec.get("default"))
    return FieldDef(name=name, **kw)


def address_fields(
    prefix: str, *, read_only: bool = False, label_prefix: str | None = None
) -> list[FieldDef]:
    """The compound address ``<prefix>Address`` and its component fields, as a real org defines them."""
    lp = f"{label_prefix if label_prefix is not None else prefix} ".lstrip()
    compound = f"{prefix}Address"
    ro = {"createable": False, "updateable": False} if read_only else {}
    parts: list[tuple[str, dict[str, Any]]] = [
        ("Street", {"type": "textarea", "length": 255, "label": f"{lp}Street"}),
        ("City", {"type": "string", "length": 40, "label": f"{lp}City"}),
        ("State", {"type": "string", "length": 80, "label": f"{lp}State/Province"}),
        ("PostalCode", {"type": "string", "length": 20, "label": f"{lp}Zip/Postal Code"}),
        ("Country", {"type": "string", "length": 80, "label": f"{lp}Country"}),
        ("Latitude", {"type": "double", "precision": 18, "scale": 15, "label": f"{lp}Latitude"}),
        ("Longitude", {"type": "double", "precision": 18, "scale": 15, "label": f"{lp}Longitude"}),
        (
            "GeocodeAccuracy",
            {
                "type": "picklist",
                "restricted_picklist": True,
                "values": GEOCODE_ACCURACY,
                "label": f"{lp}Geocode Accuracy",
            },
        ),
    ]
    out = [
        field_from_spec(prefix + suffix, {**spec, **ro, "compound_field_name": compound})
        for suffix, spec in parts
    ]
    out.append(field_from_spec(compound, {"type": "address", "ro": True, "label": f"{lp}Address"}))
    return out


def id_field(label: str) -> FieldDef:
    """The Id field of an object."""
    return field_from_spec(
        "Id",
        {
            "type": "id",
            "label": label,
            "ro": True,
            "nillable": False,
            "defaulted_on_create": True,
            "id_lookup": True,
        },
    )


def audit_fields() -> list[FieldDef]:
    """IsDeleted and the audit fields every object carries (read-only; defaulted by the org)."""
    common = {"ro": True, "nillable": False, "defaulted_on_create": True}
    return [
        field_from_spec("IsDeleted", {"type": "boolean", "label": "Deleted", **common}),
        field_from_spec("CreatedDate", {"type": "datetime", **common}),
        field_from_spec(
            "CreatedById",
            {"type": "reference", "to": "User", "rel": "CreatedBy", "label": "Created By ID", **common},
        ),
        field_from_spec("LastModifiedDate", {"type": "datetime", **common}),
        field_from_spec(
            "LastModifiedById",
            {
                "type": "reference",
                "to": "User",
                "rel": "LastModifiedBy",
                "label": "Last Modified By ID",
                **common,
            },
        ),
        field_from_spec("SystemModstamp", {"type": "datetime", "label": "System Modstamp", **common}),
    ]


def object_from_spec(name: str, spec: dict[str, Any]) -> ObjectDef:
    """One standard ObjectDef from its compact spec."""
    label = spec.get("label", label_from_name(name))
    fields: dict[str, FieldDef] = {}
    for f in [id_field(spec.get("id_label", f"{label} ID"))]:
        fields[f.name] = f
    for fname, fspec in (spec.get("fields") or {}).items():
        if "address" in fspec:
            extra = {k: v for k, v in fspec.items() if k not in ("address", "ro", "label_prefix")}
            if extra:
                raise ValueError(f"{name}.{fname}: an address spec takes only address, ro, label_prefix")
            made = address_fields(
                fspec["address"], read_only=bool(fspec.get("ro")), label_prefix=fspec.get("label_prefix")
            )
        else:
            made = [field_from_spec(fname, fspec)]
        for f in made:
            fields[f.name] = f
    for f in audit_fields():
        fields.setdefault(f.name, f)
    flags = {k: spec[k] for k in _OBJECT_KEYS if k in spec}
    return ObjectDef(
        name=name,
        label=label,
        label_plural=spec.get("plural", label + "s"),
        key_prefix=str(spec["prefix"]),
        fields=fields,
        props=dict(spec.get("props") or {}),
        **flags,
    )


@cache
def _spec() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("standard_objects.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def standard_objects() -> dict[str, ObjectDef]:
    """Fresh ObjectDefs for every standard object in the data file, keyed by API name."""
    return {name: object_from_spec(name, spec) for name, spec in _spec()["objects"].items()}
