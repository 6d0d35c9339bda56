"""The org as admins connect to it: a sandbox org of its own, a connected app, the `sf` CLI double."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from sandbox import connected_app, control
from sandbox.control import read_endpoints

SF_VARS = (
    "SF_INSTANCE_URL",
    "SF_ACCESS_TOKEN",
    "SF_USERNAME",
    "SF_PASSWORD",
    "SF_SECURITY_TOKEN",
    "SF_DOMAIN",
    "SF_CONSUMER_KEY",
    "SF_CONSUMER_SECRET",
    "SF_PRIVATE_KEY_FILE",
    "SF_LOGIN_URL",
    "DP2SF_SF_ORG",
    "DP2SF_SF_AUTH",
)
DOUBLE = Path(__file__).with_name("sf_double.py")


@pytest.fixture()
def clean_env(monkeypatch):
    for name in SF_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture(scope="module")
def org_state(tmp_path_factory) -> Path:
    """A sandbox org of this module's own (sessions and apps are org-wide settings the tests change)."""
    state = tmp_path_factory.mktemp("org_sf")
    control.up(state, which=("salesforce",))
    yield state
    control.down(state)


def org_admin(state: Path, method: str, path: str, body: dict | None = None) -> dict:
    """The sandbox org's ``/_admin`` API (automation definitions, metadata deploys)."""
    entry = read_endpoints(state)["salesforce"]
    s = requests.Session()
    s.trust_env = False
    r = s.request(
        method,
        entry["admin_url"] + path,
        json=body,
        headers={"X-Admin-Token": entry["admin_token"]},
        verify=entry["ca_cert"],
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return r.json()


NS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'
CASE_RULE = (
    f'<?xml version="1.0" encoding="UTF-8"?>\n<ValidationRule {NS}><fullName>Subject_Required</fullName>'
    "<active>true</active><errorConditionFormula>ISBLANK(Subject)</errorConditionFormula>"
    "<errorDisplayField>Subject</errorDisplayField><errorMessage>A job needs a subject</errorMessage>"
    "</ValidationRule>"
)


def define_automation(state: Path, duplicate_fields: tuple[str, ...] = ("Name",)) -> None:
    """A trigger, a flow, a workflow rule, a validation rule, a duplicate rule, Case assignment and
    auto-response rules (and an inactive trigger and a draft flow, which must not be listed)."""
    done = org_admin(
        state,
        "POST",
        "/metadata/deploy",
        {"files": {"objects/Case/validationRules/Subject_Required.validationRule-meta.xml": CASE_RULE}},
    )
    assert done["success"], done
    for kind, body in [
        ("triggers", {"object": "Case", "name": "CaseTrigger", "events": ["before insert", "after update"]}),
        (
            "triggers",
            {"object": "Account", "name": "OldTrigger", "events": ["after insert"], "status": "Inactive"},
        ),
        ("flows", {"object": "Account", "api_name": "Account_Welcome", "trigger_type": "RecordAfterSave"}),
        ("flows", {"object": "Case", "api_name": "Case_Draft", "active": False}),
        ("workflow_rules", {"object": "Case", "name": "Notify customer"}),
        ("assignment_rules", {"object": "Case", "name": "Route jobs"}),
        ("auto_response_rules", {"object": "Case", "name": "Ack email"}),
        (
            "duplicate_rules",
            {
                "object": "Account",
                "developer_name": "Standard_Account_Duplicate_Rule",
                "fields": list(duplicate_fields),
            },
        ),
    ]:
        org_admin(state, "POST", f"/automation/{kind}", body)


def sessions_admin(state: Path, body: dict | None = None) -> dict:
    """``/_admin/sessions``: POST ``body`` (timeout, revoke, static token) or GET the counts."""
    entry = read_endpoints(state)["salesforce"]
    s = requests.Session()
    s.trust_env = False
    r = s.request(
        "POST" if body is not None else "GET",
        entry["admin_url"] + "/sessions",
        json=body,
        headers={"X-Admin-Token": entry["admin_token"]},
        verify=entry["ca_cert"],
        timeout=30,
    )
    r.raise_for_status()
    return r.json()


@pytest.fixture()
def app(org_state) -> dict:
    """A connected app registered now (JWT certificate uploaded, the Integration User as run-as user)."""
    return connected_app.register(org_state)


def jwt_env(monkeypatch, app: dict) -> None:
    monkeypatch.setenv("SF_CONSUMER_KEY", app["consumer_key"])
    monkeypatch.setenv("SF_USERNAME", app["username"])
    monkeypatch.setenv("SF_PRIVATE_KEY_FILE", app["private_key_file"])


def install_sf_double(monkeypatch, tmp_path: Path, state: Path, app: dict, alias: str) -> Path:
    """Put an ``sf`` executable on PATH that answers ``org display`` for ``alias``; returns its call log."""
    entry = read_endpoints(state)["salesforce"]
    calls = tmp_path / "sf_calls.log"
    config = tmp_path / "sf_double.json"
    config.write_text(
        json.dumps(
            {
                "alias": alias,
                "consumer_key": app["consumer_key"],
                "username": app["username"],
                "private_key_file": app["private_key_file"],
                "login_url": entry["login_url"],
                "ca_cert": entry["ca_cert"],
                "calls": str(calls),
            }
        )
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "sf"
    exe.write_text(f'#!/bin/sh\nexec {sys.executable} {DOUBLE} "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("SF_DOUBLE_CONFIG", str(config))
    return calls


class OneRenewal:
    """Ends sessions after ``seconds`` (age) until the first renewal of ``flow``, then lifts the timeout: the
    run outlives exactly one session."""

    def __init__(self, state: Path, flow: str, seconds: float = 1.0):
        self.state, self.flow, self.seconds = state, flow, seconds
        self.base = sessions_admin(state)["issued_total"].get(flow, 0)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.is_set():
            if sessions_admin(self.state)["issued_total"].get(self.flow, 0) >= self.base + 2:
                sessions_admin(self.state, {"timeout_seconds": None})
                return
            time.sleep(0.05)

    def __enter__(self) -> OneRenewal:
        sessions_admin(self.state, {"timeout_seconds": self.seconds, "timeout_kind": "age"})
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        sessions_admin(self.state, {"timeout_seconds": None})

    def issued(self) -> int:
        return sessions_admin(self.state)["issued_total"].get(self.flow, 0) - self.base
