"""Read sfdx source-format metadata (CustomObject / CustomField XML) into plain element dicts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

# sfdx source format (objects/X/X.object-meta.xml) or metadata API format (objects/X.object)
_OBJECT_PATH = re.compile(r"(?:^|/)objects/(?:([^/]+)/\1\.object-meta\.xml|([^/]+)\.object)$")
_FIELD_PATH = re.compile(r"(?:^|/)objects/([^/]+)/fields/([^/]+)\.field-meta\.xml$")
_RULE_PATH = re.compile(r"(?:^|/)objects/([^/]+)/validationRules/([^/]+)\.validationRule-meta\.xml$")
# a standard picklist's values (Metadata API StandardValueSet,
# standardValueSets/<Name>.standardValueSet[-meta.xml]:
# https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_standardvalueset.htm)
_VALUE_SET_PATH = re.compile(r"(?:^|/)standardValueSets/([^/]+)\.standardValueSet(?:-meta\.xml)?$")
_REPEATED = {
    "fields",
    "value",
    "referenceTo",
    "validationRules",
    "standardValue",
}  # elements that may occur more than once


class MetadataError(ValueError):
    """A component that cannot be read; carries the line and column when the XML itself is bad."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass
class Component:
    """One metadata component read from a file."""

    kind: str  # CustomObject | CustomField | ValidationRule | StandardValueSet | Other
    object_name: str
    file_name: str
    field_name: str | None = None
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        """``Obj`` or ``Obj.Field__c``, as a deploy result names it."""
        return f"{self.object_name}.{self.field_name}" if self.field_name else self.object_name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def element_to_dict(elem: ET.Element) -> Any:
    """An element as nested dicts: leaf text stays a string, repeated elements become lists."""
    children = list(elem)
    if not children:
        return (elem.text or "").strip()
    out: dict[str, Any] = {}
    for child in children:
        key = _local(child.tag)
        value = element_to_dict(child)
        if key in _REPEATED:
            out.setdefault(key, []).append(value)
        elif key in out:
            raise MetadataError(f"element <{key}> appears more than once")
        else:
            out[key] = value
    return out


def parse_xml(text: str, root_tag: str) -> dict[str, Any]:
    """Parse one metadata file whose root element must be ``root_tag``."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, column = exc.position
        raise MetadataError(f"invalid XML: {exc}", line, column) from None
    if _local(root.tag) != root_tag:
        raise MetadataError(f"expected root element <{root_tag}>, found <{_local(root.tag)}>")
    body = element_to_dict(root)
    return body if isinstance(body, dict) else {}


def full_name_of(path: str) -> str:
    """``Obj.Field__c`` or ``Obj`` from a metadata path (the file's stem when the path is not one)."""
    norm = path.replace("\\", "/")
    if m := _FIELD_PATH.search(norm):
        return f"{m.group(1)}.{m.group(2)}"
    if m := _OBJECT_PATH.search(norm):
        return m.group(1) or m.group(2)
    return norm.rsplit("/", 1)[-1].split(".")[0]


def read_component(path: str, text: str) -> Component:
    """Classify a file by its path and parse it; files of other metadata types come back as ``Other``."""
    norm = path.replace("\\", "/")
    if m := _FIELD_PATH.search(norm):
        body = parse_xml(text, "CustomField")
        return Component("CustomField", m.group(1), path, m.group(2), body)
    if m := _OBJECT_PATH.search(norm):
        body = parse_xml(text, "CustomObject")
        return Component("CustomObject", m.group(1) or m.group(2), path, None, body)
    if m := _VALUE_SET_PATH.search(norm):
        body = parse_xml(text, "StandardValueSet")
        return Component("StandardValueSet", m.group(1), path, None, body)
    if m := _RULE_PATH.search(norm):
        body = parse_xml(text, "ValidationRule")
        return Component("ValidationRule", m.group(1), path, m.group(2), body)
    return Component("Other", norm.rsplit("/", 1)[-1], path)


def inline_fields(obj: Component) -> list[Component]:
    """The ``<fields>`` inside a CustomObject file (metadata API format), as CustomField components."""
    out = []
    for body in obj.body.get("fields", []):
        name = body.get("fullName", "") if isinstance(body, dict) else ""
        if not name:
            raise MetadataError("a <fields> element inside the object has no <fullName>")
        out.append(Component("CustomField", obj.object_name, obj.file_name, name, body))
    for body in obj.body.get("validationRules", []):
        name = body.get("fullName", "") if isinstance(body, dict) else ""
        if not name:
            raise MetadataError("a <validationRules> element inside the object has no <fullName>")
        out.append(Component("ValidationRule", obj.object_name, obj.file_name, name, body))
    return out
