"""Helpers for the sandbox org tests: a handle on one running org, and a small sfdx manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from simple_salesforce import Salesforce

from core.connection import API_VERSION

NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'


def field_xml(name: str, body: str) -> str:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomField {NS}>'
    return f"{head}<fullName>{name}</fullName>{body}</CustomField>"


def ext_id(name: str = "Dispatch_Pro_Id__c") -> str:
    return field_xml(
        name,
        "<externalId>true</externalId><label>Dispatch Pro Id</label><length>80</length>"
        "<required>false</required><type>Text</type><unique>true</unique>",
    )


def manifest() -> dict[str, str]:
    """Dispatch_Pro_Id__c on Account/Contact/Case, a Location__c object with a lookup from Case, and a
    Line_Item__c detail of Case (master-detail) with a restricted picklist and a required number."""
    obj = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CustomObject '
        f"{NS}><deploymentStatus>Deployed</deploymentStatus>"
        "<label>{label}</label><nameField><label>{label} Name</label><type>Text</type></nameField>"
        "<pluralLabel>{label}s</pluralLabel><sharingModel>{sharing}</sharingModel></CustomObject>"
    )
    files = {
        "objects/Account/fields/Dispatch_Pro_Id__c.field-meta.xml": ext_id(),
        "objects/Contact/fields/Dispatch_Pro_Id__c.field-meta.xml": ext_id(),
        "objects/Case/fields/Dispatch_Pro_Id__c.field-meta.xml": ext_id(),
        "objects/Location__c/Location__c.object-meta.xml": obj.format(label="Location", sharing="ReadWrite"),
        "objects/Location__c/fields/Dispatch_Pro_Id__c.field-meta.xml": ext_id(),
        "objects/Case/fields/Location__c.field-meta.xml": field_xml(
            "Location__c",
            "<label>Location</label><referenceTo>Location__c</referenceTo>"
            "<relationshipName>Cases</relationshipName><type>Lookup</type><deleteConstraint>SetNull</deleteConstraint>",
        ),
        "objects/Line_Item__c/Line_Item__c.object-meta.xml": obj.format(
            label="Line Item", sharing="ControlledByParent"
        ),
        "objects/Line_Item__c/fields/Dispatch_Pro_Id__c.field-meta.xml": ext_id(),
        "objects/Line_Item__c/fields/Case__c.field-meta.xml": field_xml(
            "Case__c",
            "<label>Job</label><referenceTo>Case</referenceTo><relationshipName>Line_Items"
            "</relationshipName><relationshipOrder>0</relationshipOrder><type>MasterDetail</type>",
        ),
        "objects/Line_Item__c/fields/Quantity__c.field-meta.xml": field_xml(
            "Quantity__c",
            "<label>Quantity</label><precision>10</precision><required>true</required>"
            "<scale>2</scale><type>Number</type>",
        ),
        "objects/Line_Item__c/fields/Kind__c.field-meta.xml": field_xml(
            "Kind__c",
            "<label>Kind</label><type>Picklist</type><valueSet><restricted>true</restricted>"
            "<valueSetDefinition><value><fullName>Material</fullName><default>false</default><label>Material"
            "</label></value><value><fullName>Labour</fullName><default>false</default><label>Labour</label>"
            "</value></valueSetDefinition></valueSet>",
        ),
    }
    return files


@dataclass
class OrgHandle:
    """One running sandbox org: a simple-salesforce client plus raw and admin HTTP access."""

    state_dir: Path
    endpoints: dict
    sf: Salesforce = field(init=False)
    http: requests.Session = field(init=False)

    def __post_init__(self) -> None:
        # a plain simple-salesforce client (no renewal hook of ours): the org is tested as any client meets it
        session = requests.Session()
        session.trust_env = False
        session.verify = self.endpoints["ca_cert"]
        self.sf = Salesforce(
            instance_url=self.endpoints["instance_url"],
            session_id=self.endpoints["access_token"],
            version=self.endpoints.get("api_version", API_VERSION),
            session=session,
        )
        self.http = requests.Session()
        self.http.trust_env = False
        self.http.verify = self.endpoints["ca_cert"]

    @property
    def base(self) -> str:
        return self.endpoints["instance_url"] + "/services/data/v62.0"

    def raw(self, method: str, path: str, token: str | None = None, **kw: Any) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {token or self.endpoints['access_token']}",
            **kw.pop("headers", {}),
        }
        return self.http.request(method, self.base + path, headers=headers, timeout=30, **kw)

    def admin(self, method: str, path: str, body: dict | None = None) -> Any:
        resp = self.http.request(
            method,
            self.endpoints["admin_url"] + path,
            json=body,
            timeout=60,
            headers={"X-Admin-Token": self.endpoints["admin_token"]},
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    def deploy(self, files: dict[str, str]) -> dict:
        return self.admin("POST", "/metadata/deploy", {"files": files})


def wait_job(org: OrgHandle, job_id: str, kind: str = "ingest", timeout: float = 30.0) -> dict:
    """Poll a Bulk API 2.0 job until it is JobComplete, Failed or Aborted."""
    import time

    deadline = time.monotonic() + timeout
    info: dict = {}
    while time.monotonic() < deadline:
        info = org.raw("GET", f"/jobs/{kind}/{job_id}").json()
        if info["state"] in {"JobComplete", "Failed", "Aborted"}:
            return info
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {info}")


def open_job(org: OrgHandle, body: dict, data: str | bytes) -> str:
    """Create an ingest job and upload its one CSV; returns the job id (still Open)."""
    resp = org.raw("POST", "/jobs/ingest", json={"contentType": "CSV", **body})
    assert resp.status_code == 200, resp.text
    job_id = resp.json()["id"]
    payload = data.encode() if isinstance(data, str) else data
    put = org.raw("PUT", f"/jobs/ingest/{job_id}/batches", data=payload, headers={"Content-Type": "text/csv"})
    assert put.status_code == 201, put.text
    return job_id


def close_job(org: OrgHandle, job_id: str) -> requests.Response:
    return org.raw("PATCH", f"/jobs/ingest/{job_id}", json={"state": "UploadComplete"})


def job_results(org: OrgHandle, job_id: str) -> dict[str, list[dict]]:
    """successfulResults, failedResults and unprocessedrecords of a finished job as dict rows."""
    import csv
    import io

    out = {}
    for kind in ("successfulResults", "failedResults", "unprocessedrecords"):
        text = org.raw("GET", f"/jobs/ingest/{job_id}/{kind}").text
        out[kind] = list(csv.DictReader(io.StringIO(text, newline="")))
    return out


def run_job(org: OrgHandle, body: dict, data: str) -> tuple[dict, dict[str, list[dict]]]:
    """One ingest job end to end: (final job info, result rows)."""
    job_id = open_job(org, body, data)
    assert close_job(org, job_id).status_code == 200
    info = wait_job(org, job_id)
    return info, job_results(org, job_id)
