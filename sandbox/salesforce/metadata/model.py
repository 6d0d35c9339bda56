"""The metadata model of the sandbox org: picklist values, fields, objects, deploy results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = frozenset(
    [
        "id",
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "boolean",
        "int",
        "double",
        "currency",
        "percent",
        "date",
        "datetime",
        "time",
        "reference",
        "address",
        "location",
        "base64",
        "encryptedstring",
        "anyType",
    ]
)
TEXT_TYPES = frozenset(
    [
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "encryptedstring",
    ]
)
NUMBER_TYPES = frozenset({"int", "double", "currency", "percent"})
COMPOUND_TYPES = frozenset({"address", "location"})
SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "time": "xsd:time",
    "address": "urn:address",
    "location": "urn:location",
    "base64": "xsd:base64Binary",
    "anyType": "xsd:anyType",
}
_UNFILTERED_LOOKUPS = frozenset({"OwnerId", "CreatedById", "LastModifiedById", "MasterRecordId"})
LONG_TEXT = 255  # text areas longer than this are not filterable, sortable or groupable


@dataclass
class PicklistValue:
    """One picklist entry."""

    value: str
    label: str
    active: bool = True
    default_value: bool = False
    closed: bool = False  # a Case/Task Status value that closes the record (StandardValue.closed)

    def describe(self) -> dict:
        """The entry as describe returns it."""
        return {
            "active": self.active,
            "defaultValue": self.default_value,
            "label": self.label,
            "validFor": None,
            "value": self.value,
        }


@dataclass
class FieldDef:
    """One field of an sObject, with the attributes describe reports."""

    name: str
    label: str
    type: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    digits: int = 0
    byte_length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    default_value: object | None = None
    unique: bool = False
    external_id: bool = False
    case_sensitive: bool = False
    id_lookup: bool = False
    name_field: bool = False
    auto_number: bool = False
    calculated: bool = False
    custom: bool = False
    html_formatted: bool = False
    picklist_values: list[PicklistValue] = field(default_factory=list)
    restricted_picklist: bool = False
    reference_to: list[str] = field(default_factory=list)
    relationship_name: str | None = None
    relationship_order: int | None = None
    cascade_delete: bool = False
    compound_field_name: str | None = None
    soap_type: str = "xsd:string"
    extra_type_info: str | None = None
    polymorphic_foreign_key: bool = False
    restricted_delete: bool = False
    calculated_formula: str | None = None
    inline_help_text: str | None = None
    child_relationship_name: str | None = None  # the parent's childRelationships name for this lookup
    child_cascade_delete: bool = False  # deleting the parent deletes these children
    child_restricted_delete: bool = False  # the parent cannot be deleted while these children exist

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r}: unknown field type {self.type!r}")
        if self.soap_type == "xsd:string" and self.type in SOAP_TYPES:
            self.soap_type = SOAP_TYPES[self.type]
        if self.type in ("id", "reference") and not self.length:
            self.length = 18
        if not self.byte_length and self.length:
            self.byte_length = self.length if self.type in ("id", "reference") else self.length * 3
        if self.type == "textarea" and self.extra_type_info is None:
            self.extra_type_info = "richtextarea" if self.html_formatted else "plaintextarea"

    # --- derived attributes -------------------------------------------------------------------
    @property
    def is_long_text(self) -> bool:
        """A text area over 255 characters (long or rich text)."""
        return self.type == "textarea" and self.length > LONG_TEXT

    @property
    def is_compound(self) -> bool:
        """An address or location field made of component fields."""
        return self.type in COMPOUND_TYPES

    @property
    def required(self) -> bool:
        """Must be given on create: not nillable, createable, and not defaulted by the org."""
        return not self.nillable and self.createable and not self.defaulted_on_create

    def active_values(self) -> list[str]:
        """The active picklist values, in order."""
        return [p.value for p in self.picklist_values if p.active]

    def describe(self) -> dict:
        """The full field describe, with the keys Salesforce returns."""
        t = self.type
        unsortable = self.is_long_text or t in COMPOUND_TYPES or t in ("base64", "multipicklist", "anyType")
        ungroupable = unsortable or t in ("double", "currency", "percent", "datetime", "time", "combobox")
        return {
            "aggregatable": not (unsortable or t == "boolean"),
            "aiPredictionField": False,
            "autoNumber": self.auto_number,
            "byteLength": self.byte_length,
            "calculated": self.calculated,
            "calculatedFormula": self.calculated_formula,
            "cascadeDelete": self.cascade_delete,
            "caseSensitive": self.case_sensitive,
            "compoundFieldName": self.compound_field_name,
            "controllerName": None,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": self.default_value,
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted_on_create,
            "dependentPicklist": False,
            "deprecatedAndHidden": False,
            "digits": self.digits,
            "displayLocationInDecimal": False,
            "encrypted": t == "encryptedstring",
            "externalId": self.external_id,
            "extraTypeInfo": self.extra_type_info,
            "filterable": not (self.is_long_text or t in ("base64", "location")),
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": not (ungroupable or self.auto_number),
            "highScaleNumber": False,
            "htmlFormatted": self.html_formatted,
            "idLookup": self.id_lookup,
            "inlineHelpText": self.inline_help_text,
            "label": self.label,
            "length": self.length,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name_field,
            "namePointing": self.polymorphic_foreign_key,
            "nillable": self.nillable,
            "permissionable": self.nillable
            and (self.createable or self.updateable or self.calculated or t in COMPOUND_TYPES),
            "picklistValues": [p.describe() for p in self.picklist_values],
            "polymorphicForeignKey": self.polymorphic_foreign_key,
            "precision": self.precision,
            "queryByDistance": t in COMPOUND_TYPES,
            "referenceTargetField": None,
            "referenceTo": list(self.reference_to),
            "relationshipName": self.relationship_name,
            "relationshipOrder": self.relationship_order,
            "restrictedDelete": self.restricted_delete,
            "restrictedPicklist": self.restricted_picklist,
            "scale": self.scale,
            "searchPrefilterable": t == "reference" and self.name not in _UNFILTERED_LOOKUPS,
            "soapType": self.soap_type,
            "sortable": not unsortable,
            "type": t,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": self.relationship_order is not None,
        }


@dataclass
class ObjectDef:
    """One sObject: its object-level flags and its fields keyed by exact API name."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    custom: bool = False
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    undeletable: bool = True
    fields: dict[str, FieldDef] = field(default_factory=dict)
    props: dict[str, Any] = field(default_factory=dict)  # other describe flags (mergeable, feedEnabled, ...)

    def __post_init__(self) -> None:
        self._index_fields()

    def _index_fields(self) -> None:
        self._by_lower = {k.lower(): f for k, f in self.fields.items()}
        self._by_rel = {
            f.relationship_name.lower(): f for f in self.fields.values() if f.relationship_name is not None
        }

    def add_field(self, fdef: FieldDef) -> None:
        """Add or replace a field (keeps the lookup indexes in step)."""
        existing = self._by_lower.get(fdef.name.lower())
        if existing is not None and existing.name != fdef.name:
            del self.fields[existing.name]
        self.fields[fdef.name] = fdef
        self._index_fields()

    def field(self, name: str) -> FieldDef | None:
        """The field with this API name, case-insensitive (O(1))."""
        return self._by_lower.get(name.lower())

    def relationship(self, rel_name: str) -> FieldDef | None:
        """The reference field whose relationshipName is ``rel_name``, case-insensitive."""
        return self._by_rel.get(rel_name.lower())

    def name_field(self) -> FieldDef | None:
        """The object's name field (Name, CaseNumber, Subject, ...)."""
        return next((f for f in self.fields.values() if f.name_field), None)

    def external_id_fields(self) -> list[FieldDef]:
        """Fields usable as an upsert key: external ids and Id."""
        return [f for f in self.fields.values() if f.external_id or f.type == "id"]


@dataclass
class DeployResult:
    """The outcome of a metadata deploy: all components applied, or none (with the problems)."""

    success: bool
    components: list[dict] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
