"""An org started "as an admin's org": a setup profile (``{kind: [admin bodies]}``, the bodies of
``POST /_admin/automation/{kind}``) applied when the org starts and again after every reset, so record types,
duplicate rules and automation are part of the org's starting state.

    {"record_types": [{"object": "Case", "developer_name": "Repair", "default": true}],
     "duplicate_rules": [{"object": "Contact", "developer_name": "Contact_Email", "fields": ["Email"]}],
     "triggers": [{"object": "Case", "name": "CaseTrigger", "events": ["before insert"]}]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import automation, duplicates, record_types
from sandbox.salesforce.errors import SFError

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

DEFINE: dict[str, Callable[[Any, dict], dict]] = {
    "triggers": automation.define_trigger,
    "flows": automation.define_flow,
    "workflow_rules": lambda org, body: automation.define_rule(org, "workflow_rules", body),
    "assignment_rules": lambda org, body: automation.define_rule(org, "assignment_rules", body),
    "auto_response_rules": lambda org, body: automation.define_rule(org, "auto_response_rules", body),
    "duplicate_rules": duplicates.define,
    "record_types": record_types.define,
}


def define(org: Org, kind: str, body: dict) -> dict:
    """One admin definition of ``kind`` (400 for an unknown kind)."""
    make = DEFINE.get(kind)
    if make is None:
        raise automation.bad(f"unknown kind {kind!r}; choose from {', '.join(DEFINE)}")
    return make(org, body)


def apply(org: Org, profile: dict[str, list[dict]]) -> None:
    """Every definition of the profile, in the order of ``DEFINE``; ValueError naming a bad one."""
    unknown = set(profile) - set(DEFINE)
    if unknown:
        raise ValueError(f"setup profile: unknown kind(s) {sorted(unknown)}; choose from {', '.join(DEFINE)}")
    for kind in DEFINE:
        for body in profile.get(kind, []):
            try:
                define(org, kind, body)
            except SFError as exc:
                raise ValueError(f"setup profile: {kind} {body}: {exc.message}") from None
