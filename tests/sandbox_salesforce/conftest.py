"""Fixtures: a private org per test module (mutating and fault tests) on top of the shared fixtures."""

from __future__ import annotations

import pytest

from sandbox import control
from tests.sandbox_salesforce.helpers import OrgHandle, manifest


@pytest.fixture(scope="module")
def org(tmp_path_factory) -> OrgHandle:
    """A private sandbox org with the test manifest deployed; stopped at module end."""
    state = tmp_path_factory.mktemp("sf_org")
    endpoints = control.up(state, which=("salesforce",))["salesforce"]
    try:
        handle = OrgHandle(state, endpoints)
        result = handle.deploy(manifest())
        assert result["success"], result["problems"]
        yield handle
    finally:
        control.down(state)


@pytest.fixture()
def shared_org(salesforce_endpoints, tmp_path) -> OrgHandle:
    """The session's shared org (read-only use, or own records only)."""
    return OrgHandle(tmp_path, salesforce_endpoints)
