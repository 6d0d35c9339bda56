"""Our standard objects agree with a real org's recorded describes, field by field (../shared, skips without)."""

from __future__ import annotations

import json

import pytest
import yaml

from sandbox.salesforce.metadata import Registry

RECORDED_OBJECTS = ("Account", "Case", "Contact", "Event")
COMPARED = (
    "type", "length", "precision", "scale", "nillable", "createable", "updateable", "restrictedPicklist",
    "relationshipName", "externalId", "unique", "defaultedOnCreate", "calculated", "autoNumber",
)
# Deliberate differences, each with its reason: (object, field, attribute) -> reason.
DELIBERATE = {
    # referenceTo is compared after dropping objects this org does not have (Group, Lead, Calendar, ...).
}


def _recorded(shared_reference, name: str) -> dict:
    path = shared_reference / "salesforce-describe" / f"GET_sobjects_{name}_describe.yaml"
    return json.loads(yaml.safe_load(path.read_text())["response"]["body"]["string"])


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.standard()


@pytest.mark.parametrize("object_name", RECORDED_OBJECTS)
def test_fields_match_recording(shared_reference, registry, object_name):
    recorded = {f["name"]: f for f in _recorded(shared_reference, object_name)["fields"]}
    ours = registry.describe_sobject(object_name)
    mismatches = []
    for field in ours["fields"]:
        rec = recorded.get(field["name"])
        if rec is None:
            mismatches.append(f"{field['name']}: not in the recording")
            continue
        for attr in COMPARED:
            if field[attr] != rec[attr] and (object_name, field["name"], attr) not in DELIBERATE:
                mismatches.append(f"{field['name']}.{attr}: ours {field[attr]!r}, recorded {rec[attr]!r}")
        active = [p["value"] for p in rec["picklistValues"] if p["active"]]
        if [p["value"] for p in field["picklistValues"]] != active:
            mismatches.append(f"{field['name']}.picklistValues differ")
        expected_refs = [r for r in rec["referenceTo"] if r in registry]
        if field["referenceTo"] != expected_refs:
            mismatches.append(f"{field['name']}.referenceTo: ours {field['referenceTo']}, expected {expected_refs}")
    assert not mismatches, "\n".join(mismatches)
