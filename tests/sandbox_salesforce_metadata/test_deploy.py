"""Deploying sfdx source-format metadata adds custom objects and fields, all or nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.salesforce.metadata import Registry

FIXTURE = Path(__file__).parent / "fixtures" / "sfdx"


def _files(root: Path = FIXTURE) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.xml"))}


def _field_xml(name: str, body: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">'
        f"<fullName>{name}</fullName>{body}</CustomField>"
    )


@pytest.fixture()
def deployed() -> Registry:
    reg = Registry.standard()
    result = reg.deploy(_files())
    assert result.success, result.problems
    return reg


def _describe_field(reg: Registry, obj: str, name: str) -> dict:
    return next(f for f in reg.describe_sobject(obj)["fields"] if f["name"] == name)


def test_deploy_reports_every_component():
    result = Registry.standard().deploy(_files())
    assert result.success and result.problems == []
    names = {(c["componentType"], c["fullName"], c["created"]) for c in result.components}
    assert names == {
        ("CustomObject", "Line_Item__c", True),
        ("CustomField", "Line_Item__c.Dispatch_Pro_Id__c", True),
        ("CustomField", "Line_Item__c.Kind__c", True),
        ("CustomField", "Line_Item__c.Quantity__c", True),
        ("CustomField", "Line_Item__c.Case__c", True),
        ("CustomField", "Line_Item__c.Account__c", True),
        ("CustomField", "Case.Source_Job_Number__c", True),
    }


def test_custom_object_gets_prefix_and_standard_fields(deployed):
    obj = deployed.get("line_item__C")
    assert obj is not None and obj.name == "Line_Item__c" and obj.custom
    assert obj.key_prefix == "a00" and deployed.by_key_prefix("a00") is obj
    assert obj.label == "Line Item" and obj.label_plural == "Line Items"
    names = list(obj.fields)
    for std in (
        "Id",
        "Name",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
    ):
        assert std in names
    assert "OwnerId" not in names  # a master-detail child is owned by its master
    name = obj.field("Name")
    assert name.auto_number and name.name_field and not name.createable and name.label == "Line Item Number"


def test_custom_fields_have_the_right_attributes(deployed):
    ext = _describe_field(deployed, "Line_Item__c", "Dispatch_Pro_Id__c")
    assert (ext["type"], ext["length"], ext["externalId"], ext["unique"], ext["idLookup"], ext["custom"]) == (
        "string",
        64,
        True,
        True,
        True,
        True,
    )
    kind = _describe_field(deployed, "Line_Item__c", "Kind__c")
    assert kind["type"] == "picklist" and kind["restrictedPicklist"] is True
    assert [(p["value"], p["label"], p["defaultValue"]) for p in kind["picklistValues"]] == [
        ("Material", "Material", True),
        ("Labor", "Labour", False),
    ]
    assert kind["defaultValue"] == "Material" and kind["defaultedOnCreate"]
    qty = _describe_field(deployed, "Line_Item__c", "Quantity__c")
    assert (qty["type"], qty["precision"], qty["scale"], qty["nillable"]) == ("double", 10, 2, False)
    md = _describe_field(deployed, "Line_Item__c", "Case__c")
    assert (
        md["type"],
        md["referenceTo"],
        md["relationshipName"],
        md["cascadeDelete"],
        md["nillable"],
        md["updateable"],
        md["relationshipOrder"],
    ) == ("reference", ["Case"], "Case__r", True, False, False, 0)
    lookup = _describe_field(deployed, "Line_Item__c", "Account__c")
    assert (
        lookup["referenceTo"],
        lookup["relationshipName"],
        lookup["nillable"],
        lookup["cascadeDelete"],
    ) == (["Account"], "Account__r", True, False)
    src = _describe_field(deployed, "Case", "Source_Job_Number__c")
    assert (src["type"], src["length"], src["custom"], src["externalId"]) == ("string", 40, True, False)


def test_relationships_resolve_both_ways(deployed):
    obj = deployed.get("Line_Item__c")
    assert obj.relationship("case__r").name == "Case__c"
    assert obj.relationship("ACCOUNT__R").name == "Account__c"
    case_children = {(c["childSObject"], c["field"]): c for c in deployed.child_relationships("Case")}
    md = case_children[("Line_Item__c", "Case__c")]
    assert md["relationshipName"] == "Line_Items__r" and md["cascadeDelete"] is True
    acct = {(c["childSObject"], c["field"]): c for c in deployed.child_relationships("Account")}
    assert acct[("Line_Item__c", "Account__c")]["restrictedDelete"] is True
    # files attach to any record; activities to objects that enable them
    assert "Line_Item__c" in deployed.get("ContentDocumentLink").field("LinkedEntityId").reference_to
    assert "Line_Item__c" in deployed.get("Task").field("WhatId").reference_to


def test_describe_global_lists_custom_object(deployed):
    entry = next(s for s in deployed.describe_global()["sobjects"] if s["name"] == "Line_Item__c")
    assert entry["custom"] and entry["keyPrefix"] == "a00"
    assert entry["urls"]["sobject"].endswith("/sobjects/Line_Item__c")


def test_redeploy_updates_and_keeps_prefix(deployed):
    files = _files()
    path = "force-app/main/default/objects/Case/fields/Source_Job_Number__c.field-meta.xml"
    files = {path: files[path].replace("<length>40</length>", "<length>80</length>")}
    result = deployed.deploy(files)
    assert result.success and result.components[0]["created"] is False
    assert deployed.get("Case").field("Source_Job_Number__c").length == 80
    second = {
        "objects/Visit__c/Visit__c.object-meta.xml": _files()[
            "force-app/main/default/objects/Line_Item__c/Line_Item__c.object-meta.xml"
        ].replace("Line Item", "Visit")
    }
    assert deployed.deploy(second).success
    assert deployed.get("Visit__c").key_prefix == "a01" and deployed.get("Line_Item__c").key_prefix == "a00"
    assert deployed.get("Visit__c").field("OwnerId") is not None


def test_bad_deploy_fails_whole_with_problems():
    reg = Registry.standard()
    before = reg.to_json()
    files = _files()
    files["objects/Case/fields/Bad_Type__c.field-meta.xml"] = _field_xml(
        "Bad_Type__c", "<label>Bad</label><type>Hologram</type>"
    )
    files["objects/Case/fields/Broken__c.field-meta.xml"] = "<CustomField><label>oops</CustomField>"
    files["objects/Case/fields/NoSuffix.field-meta.xml"] = _field_xml(
        "NoSuffix", "<label>x</label><type>Text</type><length>5</length>"
    )
    files["objects/Nope__c/fields/X__c.field-meta.xml"] = _field_xml(
        "X__c", "<label>x</label><type>Text</type><length>5</length>"
    )
    files["objects/Case/fields/Lk__c.field-meta.xml"] = _field_xml(
        "Lk__c",
        "<label>x</label><type>Lookup</type><referenceTo>Ghost__c</referenceTo>"
        "<relationshipName>Lks</relationshipName>",
    )
    result = reg.deploy(files)
    assert result.success is False and result.components == []
    by_name = {p["fullName"]: p for p in result.problems}
    assert "unknown field type 'Hologram'" in by_name["Case.Bad_Type__c"]["problem"]
    assert by_name["Case.Broken__c"]["problem"].startswith("invalid XML")
    assert by_name["Case.Broken__c"]["lineNumber"] == 1
    assert "must end with __c" in by_name["Case.NoSuffix"]["problem"]
    assert "Nope__c does not exist" in by_name["Nope__c.X__c"]["problem"]
    assert "Ghost__c" in by_name["Case.Lk__c"]["problem"]
    assert all(p["problemType"] == "Error" and p["fileName"] for p in result.problems)
    assert reg.get("Line_Item__c") is None and reg.get("Case").field("Source_Job_Number__c") is None
    assert reg.to_json() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<label>x</label><type>Text</type><length>300</length>", "<length> must be 1..255"),
        ("<label>x</label><type>Number</type><precision>20</precision><scale>2</scale>", "precision"),
        ("<label>x</label><type>Picklist</type>", "valueSet"),
        ("<type>Text</type><length>5</length>", "missing <label>"),
        (
            "<label>x</label><type>MasterDetail</type><referenceTo>Account</referenceTo>"
            "<relationshipName>Cs</relationshipName>",
            "only be added to a custom object",
        ),
    ],
)
def test_invalid_field_definitions(body, message):
    reg = Registry.standard()
    result = reg.deploy({"objects/Case/fields/F__c.field-meta.xml": _field_xml("F__c", body)})
    assert not result.success and message in result.problems[0]["problem"]
    assert reg.get("Case").field("F__c") is None


def test_standard_field_cannot_be_redefined():
    result = Registry.standard().deploy(
        {
            "objects/Case/fields/Subject.field-meta.xml": _field_xml(
                "Subject", "<label>S</label><type>Text</type><length>5</length>"
            )
        }
    )
    assert not result.success and "must end with __c" in result.problems[0]["problem"]


def test_empty_deploy_is_an_error():
    result = Registry.standard().deploy({})
    assert not result.success and result.problems


def test_metadata_api_format_with_inline_fields():
    reg = Registry.standard()
    xml = (
        '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>Site Visit</label>'
        "<pluralLabel>Site Visits</pluralLabel><nameField><label>Visit</label><type>Text</type></nameField>"
        "<fields><fullName>Notes__c</fullName><label>Notes</label><type>LongTextArea</type>"
        "<length>32768</length><visibleLines>3</visibleLines></fields>"
        "<fields><fullName>Done__c</fullName><label>Done</label><type>Checkbox</type>"
        "<defaultValue>true</defaultValue></fields></CustomObject>"
    )
    result = reg.deploy({"src/objects/Site_Visit__c.object": xml})
    assert result.success, result.problems
    obj = reg.get("Site_Visit__c")
    notes, done = obj.field("Notes__c"), obj.field("Done__c")
    assert (notes.type, notes.length, notes.is_long_text) == ("textarea", 32768, True)
    assert (done.type, done.nillable, done.default_value) == ("boolean", False, True)
    assert obj.field("OwnerId") is not None and obj.field("Name").length == 80
