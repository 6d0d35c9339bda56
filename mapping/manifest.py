"""The custom-field manifest: every object and field the marts need, as CSV and as sfdx source metadata.

Both derive from the field-list seeds (``core.fields``). The metadata is what an admin deploys
with ``sf project deploy start`` (``build/sfdx-project.json`` points at ``build/metadata``); the sandbox org
accepts the same files on ``POST <admin_url>/metadata/deploy``.
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

from core.fields import FieldList, SfField, SfObject

MD_NS = "http://soap.sforce.com/2006/04/metadata"
MANIFEST_COLUMNS = [
    "object",
    "object_custom",
    "field",
    "label",
    "type",
    "length",
    "precision",
    "scale",
    "picklist_values",
    "required",
    "external_id",
    "unique",
    "reference_to",
    "relationship_name",
    "delete_constraint",
    "custom",
    "mart_column",
    "source",
    "description",
]


def manifest_fields(field_list: FieldList, invoices: str = "custom") -> list[SfField]:
    """Fields Salesforce must have for the load (helper columns excluded), of the enabled objects."""
    enabled = {o.name for o in field_list.enabled_objects(invoices)}
    return [f for f in field_list.fields if f.object in enabled and not f.helper]


def manifest_rows(field_list: FieldList, invoices: str = "custom") -> list[dict[str, str]]:
    rows = []
    for f in manifest_fields(field_list, invoices):
        obj = field_list.objects[f.object]
        rows.append(
            {
                "object": f.object,
                "object_custom": str(obj.custom).lower(),
                "field": f.name,
                "label": f.label,
                "type": f.type,
                "length": "" if f.length is None else str(f.length),
                "precision": "" if f.precision is None else str(f.precision),
                "scale": "" if f.scale is None else str(f.scale),
                "picklist_values": "|".join(f.picklist_values),
                "required": str(f.required).lower(),
                "external_id": str(f.external_id).lower(),
                "unique": str(f.unique).lower(),
                "reference_to": f.reference_to,
                "relationship_name": f.relationship_name,
                "delete_constraint": f.delete_constraint,
                "custom": str(f.custom).lower(),
                "mart_column": "" if f.loader_resolved else f.mart_column,
                "source": f.source_name or "mapping",
                "description": f.description,
            }
        )
    return rows


def write_manifest_csv(path: Path, field_list: FieldList, invoices: str = "custom") -> int:
    """Write ``manifest.csv``; returns the number of field rows."""
    rows = manifest_rows(field_list, invoices)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=MANIFEST_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def _sub(parent: ET.Element, tag: str, text: object) -> ET.Element:
    elem = ET.SubElement(parent, tag)
    elem.text = str(text).lower() if isinstance(text, bool) else str(text)
    return elem


def _xml(root: ET.Element) -> str:
    ET.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def object_xml(obj: SfObject) -> str:
    """``<Object>.object-meta.xml`` of a custom object."""
    root = ET.Element("CustomObject", xmlns=MD_NS)
    _sub(root, "deploymentStatus", "Deployed")
    if obj.description:
        _sub(root, "description", obj.description)
    _sub(root, "label", obj.label)
    name_field = ET.SubElement(root, "nameField")
    if obj.name_field_type == "AutoNumber":
        _sub(name_field, "displayFormat", obj.name_display_format)
    _sub(name_field, "label", obj.name_field_label or f"{obj.label} Name")
    _sub(name_field, "type", obj.name_field_type or "Text")
    _sub(root, "pluralLabel", obj.plural_label)
    _sub(root, "sharingModel", obj.sharing_model or "ReadWrite")
    return _xml(root)


# the Metadata API's element order for CustomField (its XSD is a sequence)
FIELD_ELEMENT_ORDER = (
    "fullName", "caseSensitive", "defaultValue", "deleteConstraint", "description", "externalId", "label",
    "length", "precision", "referenceTo", "relationshipLabel", "relationshipName", "relationshipOrder",
    "reparentableMasterDetail", "required", "scale", "type", "unique", "valueSet", "visibleLines",
    "writeRequiresMasterRead",
)  # fmt: skip


def _field_elements(f: SfField, field_list: FieldList) -> dict[str, object]:
    el: dict[str, object] = {"fullName": f.name, "externalId": f.external_id, "label": f.label}
    el["type"] = f.type
    if f.description:
        el["description"] = f.description
    if f.type == "Text" and f.external_id:
        el["caseSensitive"] = False
    if f.type == "Checkbox":
        el["defaultValue"] = False
    if f.type in ("Text", "LongTextArea", "Html") and f.length:
        el["length"] = f.length
    if f.type == "LongTextArea":
        el["visibleLines"] = 5
    if f.type in ("Number", "Currency", "Percent"):
        el["precision"], el["scale"] = f.precision or 18, f.scale or 0
    if f.type in ("Lookup", "MasterDetail"):
        el["referenceTo"] = f.reference_to
        el["relationshipLabel"] = field_list.objects[f.object].plural_label
        el["relationshipName"] = f.relationship_name
    if f.type == "Lookup":
        el["deleteConstraint"] = f.delete_constraint or "SetNull"
    if f.type == "MasterDetail":
        el.update(relationshipOrder=0, reparentableMasterDetail=False, writeRequiresMasterRead=False)
    else:
        el["required"] = f.required and f.type != "Checkbox"
    if f.type == "Text" and (f.unique or f.external_id):
        el["unique"] = f.unique
    return el


def field_xml(f: SfField, field_list: FieldList) -> str:
    """``fields/<Field>.field-meta.xml`` of a custom field, elements in the Metadata API's order."""
    root = ET.Element("CustomField", xmlns=MD_NS)
    elements = _field_elements(f, field_list)
    for tag in FIELD_ELEMENT_ORDER:
        if tag == "valueSet" and f.type == "Picklist":
            value_set = ET.SubElement(root, "valueSet")
            _sub(value_set, "restricted", True)
            definition = ET.SubElement(value_set, "valueSetDefinition")
            _sub(definition, "sorted", False)
            for value in f.picklist_values:
                v = ET.SubElement(definition, "value")
                _sub(v, "fullName", value)
                _sub(v, "default", False)
                _sub(v, "label", value)
        elif tag in elements:
            _sub(root, tag, elements[tag])
    return _xml(root)


# Standard picklists whose values the mapping may extend: (object, field) -> (StandardValueSet name, the
# values of a new org in order, the values that close the record, the default value). A mapped value
# outside the set
# (e.g. "On Hold" for a job on Hold) is deployed as a StandardValueSet listing the standard values first
# (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_standardvalueset.htm).
STANDARD_VALUE_SETS: dict[tuple[str, str], tuple[str, tuple[str, ...], frozenset[str], str]] = {
    ("Case", "Status"): (
        "CaseStatus",
        ("New", "Working", "Escalated", "Closed"),
        frozenset({"Closed"}),
        "New",
    ),
    ("Case", "Priority"): ("CasePriority", ("High", "Medium", "Low"), frozenset(), "Medium"),
}


def standard_value_set_xml(f: SfField) -> tuple[str, str] | None:
    """``(name, xml)`` of the StandardValueSet a standard picklist needs, or None when its values suffice."""
    spec = STANDARD_VALUE_SETS.get((f.object, f.name))
    if spec is None or f.custom or f.type != "Picklist":
        return None
    name, standard, closing, default = spec
    extra = [v for v in f.picklist_values if v not in standard]
    if not extra:
        return None
    root = ET.Element("StandardValueSet", xmlns=MD_NS)
    _sub(root, "sorted", "false")
    for value in [*standard, *extra]:
        el = ET.SubElement(root, "standardValue")
        _sub(el, "fullName", value)
        _sub(el, "default", str(value == default).lower())
        _sub(el, "label", value)
        if f.object in ("Case", "Task") and f.name == "Status":
            _sub(el, "closed", str(value in closing).lower())
    return name, _xml(root)


def render_metadata(field_list: FieldList, invoices: str = "custom") -> dict[str, str]:
    """sfdx source format: ``objects/<Object>/<Object>.object-meta.xml`` for custom objects and
    ``objects/<Object>/fields/<Field>.field-meta.xml`` for every custom field (on custom and standard
    objects). Standard fields and the custom objects' Name field are not deployed; a standard picklist the
    mapping gives a value outside its standard set gets
    ``standardValueSets/<Name>.standardValueSet-meta.xml``."""
    files: dict[str, str] = {}
    for obj in field_list.enabled_objects(invoices):
        if obj.custom:
            files[f"objects/{obj.name}/{obj.name}.object-meta.xml"] = object_xml(obj)
    for f in manifest_fields(field_list, invoices):
        if f.custom:
            files[f"objects/{f.object}/fields/{f.name}.field-meta.xml"] = field_xml(f, field_list)
        elif value_set := standard_value_set_xml(f):
            files[f"standardValueSets/{value_set[0]}.standardValueSet-meta.xml"] = value_set[1]
    return files


def write_metadata(build_dir: Path, field_list: FieldList, invoices: str = "custom") -> dict[str, str]:
    """Write ``build/metadata/**`` (replacing earlier files) and ``build/sfdx-project.json``."""
    files = render_metadata(field_list, invoices)
    root = build_dir / "metadata"
    if root.is_dir():
        for old in sorted(root.rglob("*.xml")):
            old.unlink()
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    project = {"packageDirectories": [{"path": "metadata", "default": True}], "sourceApiVersion": "62.0"}
    (build_dir / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n", encoding="utf-8")
    return files
