"""The org's own automation as the pre-scan reads it (issue 20 §2), from the Tooling API and SOQL."""

from __future__ import annotations

from core.connection import connect
from core.org_automation import read_automation
from core.settings import get_settings
from tests.org.conftest import define_automation


def test_read_automation_lists_what_fires_on_each_object_we_write(org_state, clean_env):
    define_automation(org_state)
    sf = connect("sandbox", settings=get_settings(sandbox_dir=org_state))
    found, notes = read_automation(sf, ["Account", "Contact", "Case"])
    assert notes == []
    by = {(a.object, a.kind, a.name) for a in found}
    assert by == {
        ("Account", "flow", "Account_Welcome"),
        ("Account", "duplicate_rule", "Standard_Account_Duplicate_Rule"),
        ("Case", "apex_trigger", "CaseTrigger"),
        ("Case", "workflow_rule", "Notify customer"),
        ("Case", "validation_rule", "Subject_Required"),
        ("Case", "assignment_rule", "Route jobs"),
        ("Case", "auto_response_rule", "Ack email"),
    }  # neither the inactive trigger nor the draft flow
    trigger = next(a for a in found if a.kind == "apex_trigger")
    assert trigger.fires_on == "BeforeInsert, AfterUpdate" and "Bypass_Automation" in trigger.bypass
    dup = next(a for a in found if a.kind == "duplicate_rule")
    assert dup.detail == "Name" and "DUPLICATES_DETECTED" in dup.could_do
    rule = next(a for a in found if a.kind == "validation_rule")
    assert rule.detail == "A job needs a subject"
    assert [a.object for a in found] == sorted(
        (a.object for a in found), key=["Account", "Contact", "Case"].index
    )
