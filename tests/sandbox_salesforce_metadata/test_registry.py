"""Registry basics: the standard objects, lookups, key prefixes, describe shape, persistence."""

from __future__ import annotations

import pytest

from sandbox.salesforce.metadata import Registry
from sandbox.salesforce.metadata.sfdx import MetadataError

KEY_PREFIXES = {
    "Account": "001",
    "Contact": "003",
    "User": "005",
    "Case": "500",
    "Task": "00T",
    "Event": "00U",
    "Order": "801",
    "OrderItem": "802",
    "Product2": "01t",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "ContentVersion": "068",
    "ContentDocument": "069",
    "ContentDocumentLink": "06A",
    "CaseComment": "00a",
    "CaseHistory": "017",
    "Organization": "00D",
}


@pytest.fixture(scope="module")
def reg() -> Registry:
    return Registry.standard()


def test_standard_objects_and_key_prefixes(reg):
    for name, prefix in KEY_PREFIXES.items():
        obj = reg.get(name)
        assert obj is not None, name
        assert obj.key_prefix == prefix
        assert reg.by_key_prefix(prefix) is obj
        assert reg.by_key_prefix(prefix + "6A0000000001AAA") is obj  # an id works too
    prefixes = [o.key_prefix for o in reg.objects()]
    assert len(prefixes) == len(set(prefixes))


def test_lookups_are_case_insensitive(reg):
    assert reg.get("aCCOUNT") is reg.get("Account") and reg.get("Nope") is None
    acct = reg.get("Account")
    assert acct.field("billingcity").name == "BillingCity" and acct.field("nope") is None
    assert acct.relationship("owner").name == "OwnerId" and acct.relationship("PARENT").name == "ParentId"
    assert reg.get("Contact").relationship("Account").reference_to == ["Account"]


def test_standard_fresh_copies():
    a, b = Registry.standard(), Registry.standard()
    a.get("Case").field("Subject").length = 1
    assert b.get("Case").field("Subject").length == 255


def test_every_object_has_system_fields(reg):
    for obj in reg.objects():
        for name in (
            "Id",
            "CreatedDate",
            "CreatedById",
            "LastModifiedDate",
            "LastModifiedById",
            "SystemModstamp",
            "IsDeleted",
        ):
            f = obj.field(name)
            assert f is not None and not f.createable and not f.updateable, (obj.name, name)
        assert obj.field("Id").type == "id"


@pytest.mark.parametrize(
    ("obj", "field", "createable", "updateable", "nillable"),
    [
        ("Case", "CaseNumber", False, False, False),
        ("Case", "IsClosed", False, False, False),
        ("Contact", "LastName", True, True, False),
        ("Contact", "Name", False, False, False),
        ("OrderItem", "TotalPrice", False, False, True),
        ("OrderItem", "OrderId", True, False, False),
        ("Order", "EffectiveDate", True, True, False),
        ("ContentVersion", "VersionData", True, False, True),
        ("ContentDocumentLink", "ShareType", True, True, True),
        ("User", "Username", True, True, False),
        ("Organization", "Name", False, False, False),
    ],
)
def test_field_access(reg, obj, field, createable, updateable, nillable):
    f = reg.get(obj).field(field)
    assert (f.createable, f.updateable, f.nillable) == (createable, updateable, nillable)


def test_read_only_objects(reg):
    history = reg.get("CaseHistory")
    assert history.queryable and not history.createable and not history.updateable and not history.deletable
    org = reg.get("Organization")
    assert not org.createable and not org.deletable and all(not f.createable for f in org.fields.values())


def test_restricted_picklists(reg):
    status = reg.get("Order").field("Status")
    assert status.restricted_picklist and status.active_values() == ["Draft", "Activated"]
    share = reg.get("ContentDocumentLink").field("ShareType")
    assert share.restricted_picklist and share.active_values() == ["V", "C", "I"]
    case = reg.get("Case")
    assert case.field("Priority").active_values() == ["High", "Medium", "Low"]
    assert case.field("Origin").active_values() == ["Phone", "Email", "Web"]


def test_required_means_not_nillable_createable_not_defaulted(reg):
    acct = reg.get("Account")
    assert (
        acct.field("Name").required and not acct.field("OwnerId").required and not acct.field("Id").required
    )


def test_describe_sobject_shape(reg):
    d = reg.describe_sobject("case", api_version="58.0")
    assert (
        d["name"] == "Case"
        and d["keyPrefix"] == "500"
        and d["urls"]["sobject"] == "/services/data/v58.0/sobjects/Case"
    )
    names = [f["name"] for f in d["fields"]]
    assert names[0] == "Id" and len(names) == len(set(names))
    by = {f["name"]: f for f in d["fields"]}
    assert by["Status"]["defaultValue"] == "New" and by["CaseNumber"]["autoNumber"]
    assert by["Description"]["extraTypeInfo"] == "plaintextarea" and not by["Description"]["filterable"]
    with pytest.raises(KeyError, match="Ghost"):
        reg.describe_sobject("Ghost")


def test_describe_global_lists_every_object(reg):
    g = reg.describe_global()
    assert [s["name"] for s in g["sobjects"]] == reg.names()
    for s in g["sobjects"]:
        assert (
            s["keyPrefix"] and s["urls"]["describe"] == f"/services/data/v62.0/sobjects/{s['name']}/describe"
        )


def test_json_round_trip():
    reg = Registry.standard()
    reg.deploy(
        {
            "objects/Visit__c/Visit__c.object-meta.xml": (
                '<CustomObject xmlns="http://soap.sforce.com/2006/04/metadata"><label>Visit</label>'
                "<pluralLabel>Visits</pluralLabel>"
                "<nameField><label>Visit Name</label><type>Text</type></nameField>"
                "</CustomObject>"
            )
        }
    )
    back = Registry.from_json(reg.to_json())
    assert back.names() == reg.names() and back.next_custom_prefix == reg.next_custom_prefix == 1
    for name in reg.names():
        assert back.describe_sobject(name) == reg.describe_sobject(name)
    assert back.describe_global() == reg.describe_global()
    assert back.get("visit__c").field("name").name == "Name"  # indexes rebuilt


@pytest.mark.parametrize("text", ["not json", '{"format": 99}', '{"format": 1}', "[]"])
def test_from_json_rejects_garbage(text):
    with pytest.raises(ValueError, match="registry"):
        Registry.from_json(text)


def test_metadata_error_carries_position():
    from sandbox.salesforce.metadata.sfdx import parse_xml

    with pytest.raises(MetadataError) as info:
        parse_xml("<CustomField>\n<a></b></CustomField>", "CustomField")
    assert info.value.line == 2
