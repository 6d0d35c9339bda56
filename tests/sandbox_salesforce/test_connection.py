"""core.connection.connect: the sandbox from endpoints.json, a real org from the environment."""

from __future__ import annotations

import json

import pytest

from core.connection import ConnectionConfigError, connect

SF_VARS = (
    "SF_INSTANCE_URL",
    "SF_ACCESS_TOKEN",
    "SF_USERNAME",
    "SF_PASSWORD",
    "SF_SECURITY_TOKEN",
    "SF_DOMAIN",
)


@pytest.fixture()
def clean_env(monkeypatch):
    for name in SF_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_sandbox_connection_trusts_only_the_org_ca(salesforce_endpoints, tmp_path, monkeypatch):
    path = tmp_path / "endpoints.json"
    path.write_text(json.dumps({"salesforce": salesforce_endpoints}))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "nowhere.pem"))  # must be ignored
    sf = connect("sandbox", path)
    assert sf.session.verify == salesforce_endpoints["ca_cert"] and sf.session.trust_env is False
    assert sf.query("SELECT COUNT() FROM Organization")["totalSize"] == 1


def test_missing_endpoints_file_is_named(tmp_path):
    with pytest.raises(ConnectionConfigError, match="no sandbox endpoints file at .*endpoints.json"):
        connect("sandbox", tmp_path / "endpoints.json")
    bad = tmp_path / "e.json"
    bad.write_text(json.dumps({"dispatch_pro": {}}))
    with pytest.raises(ConnectionConfigError, match="no 'salesforce' entry"):
        connect("sandbox", bad)


def test_real_org_needs_env_and_names_the_missing_variable(clean_env):
    with pytest.raises(ConnectionConfigError, match="SF_USERNAME, SF_PASSWORD, SF_SECURITY_TOKEN"):
        connect("salesforce")
    clean_env.setenv("SF_INSTANCE_URL", "https://example.my.salesforce.com")
    with pytest.raises(ConnectionConfigError, match="SF_ACCESS_TOKEN is not set"):
        connect("salesforce")
    clean_env.setenv("SF_ACCESS_TOKEN", "00Dxx!token")
    sf = connect("salesforce")  # no network until the first call
    assert sf.sf_instance == "example.my.salesforce.com"


def test_unknown_target():
    with pytest.raises(ConnectionConfigError, match="unknown target 'prod'"):
        connect("prod")
