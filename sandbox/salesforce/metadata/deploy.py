"""Apply sfdx source-format metadata to a set of ObjectDefs, all or nothing, like a Salesforce deploy."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.formula import FormulaError, compile_rule

from .ids import base62
from .model import DeployResult, FieldDef, ObjectDef, PicklistValue
from .sfdx import Component, MetadataError, full_name_of, inline_fields, read_component
from .standard import audit_fields, field_from_spec, id_field

# Objects whose polymorphic lookups gain every custom object (files and activities attach to anything).
POLYMORPHIC_TARGETS = {
    ("ContentDocumentLink", "LinkedEntityId"): True,
    ("ContentVersion", "FirstPublishLocationId"): True,
    ("Task", "WhatId"): False,  # only when the object enables activities
    ("Event", "WhatId"): False,
}
MAX_LENGTH = {"Text": 255, "TextArea": 255, "LongTextArea": 131072, "Html": 131072, "EncryptedText": 175}
SIMPLE_TYPES = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Html": "textarea",
    "EncryptedText": "encryptedstring",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Picklist": "picklist",
    "MultiselectPicklist": "multipicklist",
    "Checkbox": "boolean",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Date": "date",
    "DateTime": "datetime",
    "Time": "time",
    "Lookup": "reference",
    "MasterDetail": "reference",
    "AutoNumber": "string",
    "Location": "location",
}
FIXED_LENGTH = {"Email": 80, "Phone": 40, "Url": 255, "TextArea": 255, "AutoNumber": 30}


class ComponentError(ValueError):
    """A component that cannot be applied (the message says why)."""


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _int(body: dict, key: str, default: int = 0) -> int:
    raw = body.get(key)
    if raw in (None, ""):
        return default
    try:
        return int(str(raw))
    except ValueError:
        raise ComponentError(f"<{key}> must be a whole number, got {raw!r}") from None


def _picklist_values(body: dict) -> tuple[list[PicklistValue], bool]:
    value_set = body.get("valueSet")
    if not isinstance(value_set, dict):
        raise ComponentError("a picklist needs a <valueSet> with <valueSetDefinition> values")
    if value_set.get("valueSetName"):
        raise ComponentError("global value sets (<valueSetName>) are not supported by the sandbox org")
    definition = value_set.get("valueSetDefinition")
    values = definition.get("value", []) if isinstance(definition, dict) else []
    if not values:
        raise ComponentError("a picklist needs at least one <value> in <valueSetDefinition>")
    out = []
    for v in values:
        if not isinstance(v, dict) or not v.get("fullName"):
            raise ComponentError("each picklist <value> needs a <fullName>")
        out.append(
            PicklistValue(
                value=v["fullName"],
                label=v.get("label") or v["fullName"],
                default_value=_true(v.get("default", "false")),
            )
        )
    return out, _true(value_set.get("restricted", "false"))


def field_from_xml(object_name: str, name: str, body: dict) -> FieldDef:
    """A custom FieldDef from a CustomField body (raises ComponentError with the reason)."""
    if not name.endswith("__c"):
        raise ComponentError(f"custom field names must end with __c: {name}")
    full_name = body.get("fullName")
    if full_name and full_name not in (name, f"{object_name}.{name}"):
        raise ComponentError(f"<fullName> {full_name!r} does not match the file name {name!r}")
    md_type = body.get("type")
    if not md_type:
        raise ComponentError("missing <type>")
    if md_type not in SIMPLE_TYPES:
        raise ComponentError(f"unknown field type {md_type!r}")
    label = body.get("label")
    if not label:
        raise ComponentError("missing <label>")
    ftype = SIMPLE_TYPES[md_type]
    required = _true(body.get("required", "false"))
    kw: dict[str, Any] = {
        "label": label,
        "type": ftype,
        "custom": True,
        "nillable": not required,
        "unique": _true(body.get("unique", "false")),
        "external_id": _true(body.get("externalId", "false")),
        "case_sensitive": _true(body.get("caseSensitive", "false")),
        "inline_help_text": body.get("inlineHelpText") or None,
    }
    kw["id_lookup"] = kw["external_id"] or kw["unique"]
    if md_type in MAX_LENGTH and md_type not in FIXED_LENGTH:
        length = _int(body, "length")
        if not 1 <= length <= MAX_LENGTH[md_type]:
            raise ComponentError(f"<length> must be 1..{MAX_LENGTH[md_type]} for {md_type}, got {length}")
        kw["length"] = length
    if md_type in FIXED_LENGTH:
        kw["length"] = FIXED_LENGTH[md_type]
    if md_type == "Html":
        kw["html_formatted"] = True
    if md_type in ("Number", "Currency", "Percent"):
        precision, scale = _int(body, "precision", 18), _int(body, "scale", 0)
        if not 1 <= precision <= 18 or not 0 <= scale <= precision:
            raise ComponentError(
                f"<precision>/<scale> must satisfy 1 <= precision <= 18, 0 <= scale <= precision "
                f"(got {precision}/{scale})"
            )
        kw.update(precision=precision, scale=scale)
    if md_type == "Location":
        kw.update(scale=_int(body, "scale", 0), createable=False, updateable=False)
    if md_type in ("Picklist", "MultiselectPicklist"):
        values, restricted = _picklist_values(body)
        kw.update(picklist_values=values, restricted_picklist=restricted)
        kw["length"] = 4099 if md_type == "MultiselectPicklist" else 255
        default = next((v.value for v in values if v.default_value), None)
        if default is not None:
            kw.update(default_value=default, defaulted_on_create=True)
    if md_type == "Checkbox":
        kw.update(
            nillable=False, defaulted_on_create=True, default_value=_true(body.get("defaultValue", "false"))
        )
    if md_type == "AutoNumber":
        kw.update(
            auto_number=True,
            createable=False,
            updateable=False,
            nillable=False,
            defaulted_on_create=True,
            id_lookup=True,
        )
    if md_type in ("Lookup", "MasterDetail"):
        _reference(object_name, name, md_type, body, kw)
    if body.get("formula"):
        kw.update(
            calculated=True,
            calculated_formula=body["formula"],
            createable=False,
            updateable=False,
            nillable=True,
        )
    return FieldDef(name=name, **kw)


def _reference(object_name: str, name: str, md_type: str, body: dict, kw: dict[str, Any]) -> None:
    targets = body.get("referenceTo") or []
    if len(targets) != 1 or not targets[0]:
        raise ComponentError(f"a {md_type} field needs exactly one <referenceTo>")
    child_rel = body.get("relationshipName")
    if not child_rel:
        raise ComponentError(f"a {md_type} field needs a <relationshipName>")
    kw.update(
        reference_to=[targets[0]],
        relationship_name=name[:-3] + "__r",
        child_relationship_name=child_rel + "__r",
    )
    if md_type == "MasterDetail":
        if not object_name.endswith("__c"):
            raise ComponentError("a MasterDetail field can only be added to a custom object")
        kw.update(
            nillable=False,
            updateable=_true(body.get("reparentableMasterDetail", "false")),
            cascade_delete=True,
            child_cascade_delete=True,
            relationship_order=_int(body, "relationshipOrder", 0),
        )
    else:
        constraint = body.get("deleteConstraint", "SetNull")
        if constraint not in ("SetNull", "Restrict", "Cascade"):
            raise ComponentError(
                f"<deleteConstraint> must be SetNull, Restrict or Cascade, got {constraint!r}"
            )
        kw.update(
            child_restricted_delete=constraint == "Restrict", child_cascade_delete=constraint == "Cascade"
        )


def new_custom_object(name: str, body: dict, key_prefix: str, master_detail: bool) -> ObjectDef:
    """A custom ObjectDef with the standard fields a real org gives every custom object."""
    label = body.get("label")
    if not label:
        raise ComponentError("missing <label>")
    name_spec = body.get("nameField") if isinstance(body.get("nameField"), dict) else {}
    name_label = name_spec.get("label") or f"{label} Name"
    if name_spec.get("type", "Text") == "AutoNumber":
        name_field = field_from_spec(
            "Name",
            {
                "type": "string",
                "length": 30,
                "label": name_label,
                "ro": True,
                "nillable": False,
                "defaulted_on_create": True,
                "auto_number": True,
                "id_lookup": True,
                "name_field": True,
            },
        )
    elif name_spec.get("type", "Text") == "Text":
        name_field = field_from_spec(
            "Name",
            {
                "type": "string",
                "length": 80,
                "label": name_label,
                "defaulted_on_create": True,
                "id_lookup": True,
                "name_field": True,
            },
        )
    else:
        raise ComponentError(f"<nameField> type must be Text or AutoNumber, got {name_spec.get('type')!r}")
    fields = [id_field("Record ID"), name_field]
    if not master_detail:
        fields.append(
            field_from_spec(
                "OwnerId",
                {
                    "type": "reference",
                    "to": "User",
                    "rel": "Owner",
                    "nillable": False,
                    "defaulted_on_create": True,
                },
            )
        )
    fields += audit_fields()
    return ObjectDef(
        name=name,
        label=label,
        label_plural=body.get("pluralLabel") or label,
        key_prefix=key_prefix,
        custom=True,
        fields={f.name: f for f in fields},
        props={
            "feedEnabled": _true(body.get("enableFeeds", "false")),
            "mergeable": False,
            "triggerable": True,
            "enableActivities": _true(body.get("enableActivities", "false")),
        },
    )


@dataclass
class DeployState:
    """The org's objects plus the custom key-prefix counter; deploy works on a copy of it."""

    objects: dict[str, ObjectDef]
    next_prefix: int = 0
    problems: list[dict] = field(default_factory=list)
    components: list[dict] = field(default_factory=list)

    def find(self, name: str) -> ObjectDef | None:
        lower = name.lower()
        return next((o for k, o in self.objects.items() if k.lower() == lower), None)

    def problem(
        self,
        comp: Component | None,
        kind: str,
        full_name: str,
        file_name: str,
        message: str,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problems.append(
            {
                "componentType": comp.kind if comp else kind,
                "fullName": full_name,
                "fileName": file_name,
                "problem": message,
                "problemType": "Error",
                "lineNumber": line,
                "columnNumber": column,
            }
        )


def custom_prefix(counter: int) -> str:
    """The key prefix of the ``counter``-th custom object: a00, a01, ... a0z, a10, ..."""
    return "a" + base62(counter, 2)


def _apply_object(state: DeployState, comp: Component, master_detail: bool) -> None:
    existing = state.find(comp.object_name)
    if existing is not None:
        if existing.custom:
            existing.label = comp.body.get("label") or existing.label
            existing.label_plural = comp.body.get("pluralLabel") or existing.label_plural
        state.components.append(_component(comp, created=False))
        return
    if not comp.object_name.endswith("__c"):
        raise ComponentError(f"custom object names must end with __c: {comp.object_name}")
    obj = new_custom_object(comp.object_name, comp.body, custom_prefix(state.next_prefix), master_detail)
    state.next_prefix += 1
    state.objects[obj.name] = obj
    state.components.append(_component(comp, created=True))


def _apply_field(state: DeployState, comp: Component, fdef: FieldDef) -> None:
    obj = state.find(comp.object_name)
    if obj is None:
        raise ComponentError(f"object {comp.object_name} does not exist in the org or in this deploy")
    for target in fdef.reference_to:
        if state.find(target) is None:
            raise ComponentError(f"<referenceTo> {target} is not an object in the org or in this deploy")
    fdef.reference_to = [state.find(t).name for t in fdef.reference_to]  # type: ignore[union-attr]
    existing = obj.field(fdef.name)
    if existing is not None and not existing.custom:
        raise ComponentError(f"{fdef.name} is a standard field and cannot be redefined")
    obj.add_field(fdef)
    if fdef.type == "location":  # a geolocation Geo__c comes with Geo__Latitude__s and Geo__Longitude__s
        base = fdef.name[:-3]
        for part in ("Latitude", "Longitude"):
            obj.add_field(
                FieldDef(
                    name=f"{base}__{part}__s",
                    label=f"{fdef.label} ({part})",
                    type="double",
                    precision=18,
                    scale=fdef.scale or 15,
                    custom=True,
                    compound_field_name=fdef.name,
                )
            )
    state.components.append(_component(comp, created=existing is None))


def _apply_rule(state: DeployState, comp: Component) -> None:
    """A validation rule: its formula must be in the subset the org evaluates (refused otherwise)."""
    obj = state.find(comp.object_name)
    if obj is None:
        raise ComponentError(f"object {comp.object_name} does not exist in the org or in this deploy")
    rule = compile_rule(obj, comp.field_name or "", comp.body)
    rules = [r for r in obj.props.get("validationRules", []) if r["name"] != rule["name"]]
    created = len(rules) == len(obj.props.get("validationRules", []))
    obj.props["validationRules"] = [*rules, rule]
    state.components.append(_component(comp, created=created))


# the standard picklist fields a StandardValueSet sets (the subset of Salesforce's "StandardValueSet Names and
# Standard Picklist Fields" whose objects this org has)
STANDARD_VALUE_SETS = {
    "CaseStatus": [("Case", "Status")],
    "CasePriority": [("Case", "Priority")],
    "CaseOrigin": [("Case", "Origin")],
    "CaseReason": [("Case", "Reason")],
    "TaskStatus": [("Task", "Status")],
    "TaskPriority": [("Task", "Priority")],
}


def _apply_value_set(state: DeployState, comp: Component) -> None:
    """A StandardValueSet replaces the values of its standard picklist(s): the deployed values are active in
    file order (``default``, ``closed`` kept); values the file leaves out stay, inactive, as Salesforce keeps
    values records may still hold. At least one ``standardValue`` is required (as Salesforce requires)."""
    targets = STANDARD_VALUE_SETS.get(comp.object_name)
    if targets is None:
        raise ComponentError(f"{comp.object_name} is not a standard value set of this org")
    raw = comp.body.get("standardValue", [])
    if not raw:
        raise ComponentError("a StandardValueSet needs at least one <standardValue>")
    deployed: list[PicklistValue] = []
    for v in raw:
        if not isinstance(v, dict) or not v.get("fullName"):
            raise ComponentError("each <standardValue> needs a <fullName>")
        deployed.append(
            PicklistValue(
                value=v["fullName"],
                label=v.get("label") or v["fullName"],
                active=_true(v.get("isActive", "true")),
                default_value=_true(v.get("default", "false")),
                closed=_true(v.get("closed", "false")),
            )
        )
    names = {p.value for p in deployed}
    for object_name, field_name in targets:
        obj = state.find(object_name)
        fdef = obj.field(field_name) if obj else None
        if fdef is None:
            continue
        left_out = [
            PicklistValue(p.value, p.label, False, False, p.closed)
            for p in fdef.picklist_values
            if p.value not in names
        ]
        fdef.picklist_values = [*deployed, *left_out]
    state.components.append(_component(comp, created=False))


def _component(comp: Component, created: bool) -> dict:
    return {
        "componentType": comp.kind,
        "fullName": comp.full_name,
        "fileName": comp.file_name,
        "created": created,
        "changed": not created,
        "deleted": False,
        "success": True,
    }


def _link_polymorphic(state: DeployState) -> None:
    for (obj_name, field_name), always in POLYMORPHIC_TARGETS.items():
        obj = state.objects.get(obj_name)
        fdef = obj.field(field_name) if obj else None
        if fdef is None:
            continue
        for o in state.objects.values():
            if o.custom and o.name not in fdef.reference_to and (always or o.props.get("enableActivities")):
                fdef.reference_to.append(o.name)
                fdef.polymorphic_foreign_key = True


def run_deploy(
    objects: dict[str, ObjectDef], next_prefix: int, files: dict[str, str]
) -> tuple[DeployResult, DeployState]:
    """Deploy ``files`` onto a deep copy of ``objects``; the caller adopts ``state`` only on success."""
    state = DeployState(copy.deepcopy(objects), next_prefix)
    comps: list[Component] = []
    for path in sorted(files):
        try:
            comps.append(read_component(path, files[path]))
        except MetadataError as exc:
            kind = "CustomField" if "/fields/" in path.replace("\\", "/") else "CustomObject"
            state.problem(None, kind, full_name_of(path), path, str(exc), exc.line, exc.column)
    for comp in [c for c in comps if c.kind == "CustomObject"]:
        try:
            comps.extend(inline_fields(comp))
        except MetadataError as exc:
            state.problem(comp, comp.kind, comp.full_name, comp.file_name, str(exc))
    md_children = {
        c.object_name.lower()
        for c in comps
        if c.kind == "CustomField" and c.body.get("type") == "MasterDetail"
    }
    for comp in sorted((c for c in comps if c.kind == "CustomObject"), key=lambda c: c.object_name):
        try:
            _apply_object(state, comp, comp.object_name.lower() in md_children)
        except ComponentError as exc:
            state.problem(comp, comp.kind, comp.full_name, comp.file_name, str(exc))
    for comp in (c for c in comps if c.kind == "CustomField"):
        try:
            _apply_field(state, comp, field_from_xml(comp.object_name, comp.field_name or "", comp.body))
        except (ComponentError, ValueError) as exc:
            state.problem(comp, comp.kind, comp.full_name, comp.file_name, str(exc))
    for comp in (c for c in comps if c.kind == "ValidationRule"):
        try:
            _apply_rule(state, comp)
        except (ComponentError, FormulaError) as exc:
            state.problem(comp, comp.kind, comp.full_name, comp.file_name, str(exc))
    for comp in (c for c in comps if c.kind == "StandardValueSet"):
        try:
            _apply_value_set(state, comp)
        except ComponentError as exc:
            state.problem(comp, comp.kind, comp.full_name, comp.file_name, str(exc))
    for comp in (c for c in comps if c.kind == "Other"):
        state.components.append(
            {
                "componentType": "Other",
                "fullName": comp.full_name,
                "fileName": comp.file_name,
                "created": False,
                "changed": False,
                "deleted": False,
                "success": True,
                "ignored": True,
            }
        )
    _link_polymorphic(state)
    if not comps and not state.problems:
        state.problem(None, "Package", "package", "", "no metadata files to deploy")
    success = not state.problems
    return DeployResult(
        success=success, components=state.components if success else [], problems=state.problems
    ), state
