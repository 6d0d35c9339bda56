"""The custom-field manifest and its sfdx metadata: contents, well-formed XML, deployable as a whole."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from core.fields import load_field_list
from mapping.manifest import MD_NS, render_metadata, write_manifest_csv, write_metadata
from sandbox.salesforce.metadata import Registry

NS = {"md": MD_NS}


@pytest.fixture(scope="module")
def field_list():
    return load_field_list()


def test_manifest_csv_lists_every_field_with_its_salesforce_shape(tmp_path: Path, field_list) -> None:
    count = write_manifest_csv(tmp_path / "manifest.csv", field_list)
    rows = list(csv.DictReader((tmp_path / "manifest.csv").open()))
    assert count == len(rows) > 100
    by_key = {(r["object"], r["field"]): r for r in rows}
    ext = by_key[("Case", "Dispatch_Pro_Id__c")]
    assert (ext["type"], ext["length"], ext["external_id"], ext["unique"]) == ("Text", "64", "true", "true")
    priority = by_key[("Case", "Dispatch_Pro_Priority__c")]
    assert priority["picklist_values"].split("|")[0] == "Emergency" and priority["custom"] == "true"
    assert by_key[("Line_Item__c", "Total__c")]["precision"] == "16"
    assert by_key[("Case", "Warranty_Claim__c")]["source"] == "job.Warranty Claim #"
    assert not any(r["field"].startswith("_") for r in rows), "helper columns are not Salesforce fields"
    assert ("Invoice__c", "Total__c") in by_key and ("Order", "EffectiveDate") not in by_key


def test_metadata_is_well_formed_sfdx_source(tmp_path: Path, field_list) -> None:
    files = write_metadata(tmp_path, field_list)
    assert (tmp_path / "sfdx-project.json").is_file()
    on_disk = sorted(
        p.relative_to(tmp_path / "metadata").as_posix() for p in (tmp_path / "metadata").rglob("*.xml")
    )
    assert on_disk == sorted(files)
    for rel in files:
        ET.parse(tmp_path / "metadata" / rel)  # raises on malformed XML
    obj = ET.parse(tmp_path / "metadata/objects/Line_Item__c/Line_Item__c.object-meta.xml").getroot()
    assert obj.findtext("md:sharingModel", namespaces=NS) == "ControlledByParent"
    assert obj.findtext("md:deploymentStatus", namespaces=NS) == "Deployed"
    assert obj.findtext("md:nameField/md:type", namespaces=NS) == "AutoNumber"
    md = ET.parse(tmp_path / "metadata/objects/Line_Item__c/fields/Case__c.field-meta.xml").getroot()
    assert md.findtext("md:type", namespaces=NS) == "MasterDetail"
    assert md.findtext("md:referenceTo", namespaces=NS) == "Case"
    assert md.find("md:required", NS) is None, "a master-detail field must not carry <required>"
    lookup = ET.parse(tmp_path / "metadata/objects/Case/fields/Location__c.field-meta.xml").getroot()
    assert lookup.findtext("md:deleteConstraint", namespaces=NS) == "SetNull"
    assert lookup.findtext("md:relationshipName", namespaces=NS) == "Cases"
    pick = ET.parse(tmp_path / "metadata/objects/Case/fields/Lead_Quality__c.field-meta.xml").getroot()
    assert pick.findtext("md:valueSet/md:restricted", namespaces=NS) == "true"
    values = [v.findtext("md:fullName", namespaces=NS) for v in pick.iterfind(".//md:value", NS)]
    assert values == ["Hot", "Warm", "Cold"]
    ext = ET.parse(tmp_path / "metadata/objects/Account/fields/Dispatch_Pro_Id__c.field-meta.xml").getroot()
    assert [ext.findtext(f"md:{t}", namespaces=NS) for t in ("externalId", "unique", "length")] == [
        "true", "true", "64",
    ]  # fmt: skip
    assert not (tmp_path / "metadata/objects/Account/Account.object-meta.xml").exists()


@pytest.mark.parametrize("invoices", ["custom", "order"])
def test_the_whole_metadata_deploys_and_describes_as_the_manifest_says(field_list, invoices: str) -> None:
    registry = Registry.standard()
    result = registry.deploy(render_metadata(field_list, invoices))
    assert result.success, result.problems
    line = registry.describe_sobject("Case")
    by_name = {f["name"]: f for f in line["fields"]}
    assert by_name["Dispatch_Pro_Id__c"]["externalId"] is True
    assert by_name["Source_Job_Number__c"]["length"] == 40
    if invoices == "custom":
        assert registry.get("Invoice_Line__c") is not None
    else:
        assert registry.get("Invoice__c") is None


def test_on_hold_is_added_to_case_status_by_a_standard_value_set_the_org_accepts(field_list) -> None:
    files = render_metadata(field_list)
    rel = "standardValueSets/CaseStatus.standardValueSet-meta.xml"
    root = ET.fromstring(files[rel])
    assert root.tag == f"{{{MD_NS}}}StandardValueSet"
    values = {
        v.findtext("md:fullName", namespaces=NS): v.findtext("md:closed", namespaces=NS)
        for v in root.iterfind("md:standardValue", NS)
    }
    # the org's standard values first (kept), then the mapped value outside the set
    assert values == {"New": "false", "Working": "false", "Escalated": "false", "Closed": "true",
                      "On Hold": "false"}  # fmt: skip
    assert not any(r.startswith("standardValueSets/CasePriority") for r in files)  # High/Medium/Low suffice
    registry = Registry.standard()
    result = registry.deploy(files)
    assert result.success, result.problems
    status = {f["name"]: f for f in registry.describe_sobject("Case")["fields"]}["Status"]
    active = [p["value"] for p in status["picklistValues"] if p["active"]]
    assert active == ["New", "Working", "Escalated", "Closed", "On Hold"]


def test_the_org_refuses_an_empty_or_unknown_standard_value_set() -> None:
    empty = '<StandardValueSet xmlns="http://soap.sforce.com/2006/04/metadata"><sorted>false</sorted></StandardValueSet>'
    result = Registry.standard().deploy({"standardValueSets/CaseStatus.standardValueSet-meta.xml": empty})
    assert not result.success and "at least one" in result.problems[0]["problem"]
    unknown = empty.replace("</sorted>", "</sorted><standardValue><fullName>X</fullName></standardValue>")
    result = Registry.standard().deploy({"standardValueSets/NoSuchSet.standardValueSet-meta.xml": unknown})
    assert not result.success and "not a standard value set" in result.problems[0]["problem"]
