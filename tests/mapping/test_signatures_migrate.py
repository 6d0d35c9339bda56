"""Signatures migrate (issue 17 §2) on the tiny tier, through the real stages: extract → transform → load.

The simulator serves them as forms-v2 does (the image is a job attachment found by the form's fileName; some
refused, some only in the forms export, some nowhere). Every signature's facts reach its Case; the org holds
exactly the signature images the source can reach, as ContentVersions with the same facts.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from core.settings import Settings
from loaders.load import run_load
from sandbox.dispatch_pro.generator import counts
from tests.loader.helpers import org_client

OBJECTS = ["Account", "Contact", "Location__c", "Case", "ContentVersion"]


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def expected() -> dict[str, int]:
    return counts(42, "tiny")


def test_the_extract_lands_every_signature_and_its_reachable_image(built: Settings, expected) -> None:
    (units,) = _rows(built, """select count(*) from raw_dispatch_pro.form_submissions__units
        where type = 'Signature'""")[0]  # fmt: skip
    (images,) = _rows(built, "select count(*) from raw_dispatch_pro.files where kind = 'signature'")[0]
    (errors,) = _rows(built, "select count(*) from raw_dispatch_pro.file_errors where kind = 'signature'")[0]
    assert units == expected["signatures"]
    assert images == expected["signature_files"] and errors == expected["file_errors"]
    assert units == images + errors + expected["signatures_refused"]


def test_every_signature_s_facts_are_on_its_case(built: Settings, expected) -> None:
    cases = _rows(built, """select "Signature_Captured__c", "Signature_Signer__c", "Signature_Captured_At__c",
            "Signature_Refused__c", "Signature_Refusal_Reason__c"
        from salesforce."Case" where "Signature_Captured_At__c" is not null""")  # fmt: skip
    (held,) = _rows(built, """select count(distinct source_key) from quarantine.quarantine_all
        where object_name = 'Case'""")[0]  # fmt: skip
    assert expected["signatures"] - held <= len(cases) <= expected["signatures"]
    signed = [c for c in cases if not c[3]]
    refused = [c for c in cases if c[3]]
    assert refused and all(c[4] and c[1] is None and c[0] is False for c in refused)
    assert signed and all(c[0] is True and c[1] and c[4] is None for c in signed)


def test_the_marts_carry_each_reachable_signature_image_once(built: Settings, expected) -> None:
    versions = _rows(built, """select "Dispatch_Pro_Id__c", "Signer_Name__c", "Signature_Captured_At__c",
            "Signature_Refused__c", _first_publish_case_key
        from salesforce."ContentVersion" where "File_Kind__c" = 'Signature'""")  # fmt: skip
    assert len(versions) == expected["signature_files"]
    assert all(v[1] and v[2] and v[3] is False and v[4].startswith("job:") for v in versions)
    signer_on_case = dict(_rows(built, """select "Dispatch_Pro_Id__c", "Signature_Signer__c"
        from salesforce."Case" where "Signature_Signer__c" is not null"""))  # fmt: skip
    assert all(signer_on_case.get(v[4]) == v[1] for v in versions), "the same signer on Case and File"
    held = _rows(built, """select source_key, reason from quarantine.quarantine_all
        where object_name = 'ContentVersion' and source_key like 'signature:%'""")  # fmt: skip
    assert len(held) == expected["file_errors"] and all("never guesses" in r for _, r in held)


def test_signatures_in_the_org_are_the_signatures_whose_image_the_source_can_reach(
    workspace: Settings, expected
) -> None:
    result = run_load(workspace, objects=OBJECTS)
    assert result.counts["ContentVersion"].get("failed", 0) == 0
    org = org_client(workspace)
    in_org = list(
        org.query_iter(
            "SELECT Dispatch_Pro_Id__c, Signer_Name__c, Signature_Captured_At__c FROM ContentVersion "
            "WHERE File_Kind__c = 'Signature'"
        )
    )
    assert len(in_org) == expected["signature_files"]
    assert all(v["Signer_Name__c"] and v["Signature_Captured_At__c"] for v in in_org)
    signed = list(
        org.query_iter(
            "SELECT Dispatch_Pro_Id__c, Signature_Signer__c, Signature_Captured_At__c FROM Case "
            "WHERE Signature_Captured_At__c != null AND Signature_Refused__c = false"
        )
    )
    refused = list(
        org.query_iter("SELECT Signature_Refusal_Reason__c FROM Case WHERE Signature_Refused__c = true")
    )
    assert refused and all(r["Signature_Refusal_Reason__c"] for r in refused)
    assert all(c["Signature_Signer__c"] for c in signed)
    assert len(signed) + len(refused) >= len(in_org)
