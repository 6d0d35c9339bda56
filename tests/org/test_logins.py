"""Connecting the way admins do (issue 20 §1): the Salesforce CLI, JWT bearer, client credentials, a pasted
token, a password; sessions the org ends are renewed where the login can renew them."""

from __future__ import annotations

import logging
import time

import pytest

from core.connection import ConnectionConfigError, choose_login, connect, renewer_of
from core.logins import PasswordLogin
from core.org_api import LimitStop
from core.renewal import SessionEnded
from core.settings import get_settings
from tests.org.conftest import install_sf_double, jwt_env, sessions_admin


def _settings(state, **kw):
    return get_settings(sandbox_dir=state, **kw)


def _count(sf) -> int:
    return sf.query("SELECT COUNT() FROM Organization")["totalSize"]


def test_jwt_bearer_logs_in_and_renews_a_revoked_session(org_state, app, clean_env):
    jwt_env(clean_env, app)
    before = sessions_admin(org_state)["issued_total"].get("jwt-bearer", 0)
    sf = connect("sandbox", settings=_settings(org_state, sf_auth="jwt"))
    assert _count(sf) == 1
    first = sf.session_id
    sessions_admin(org_state, {"revoke": True})  # Setup > Session Management: every session ends now
    assert _count(sf) == 1  # the refused call was renewed and replayed
    assert sf.session_id != first
    assert len(renewer_of(sf).renewals) == 1
    assert sessions_admin(org_state)["issued_total"]["jwt-bearer"] - before == 2


def test_client_credentials_logs_in_on_my_domain_and_renews(org_state, app, clean_env):
    clean_env.setenv("SF_CONSUMER_KEY", app["consumer_key"])
    clean_env.setenv("SF_CONSUMER_SECRET", app["consumer_secret"])
    sf = connect("sandbox", settings=_settings(org_state, sf_auth="client_credentials"))
    assert _count(sf) == 1
    sessions_admin(org_state, {"revoke": True})
    assert _count(sf) == 1 and len(renewer_of(sf).renewals) == 1


def test_client_credentials_secret_from_dlt_secrets(org_state, app, clean_env):
    """dlt resolves ``salesforce.consumer_secret`` from its providers (here its env form)."""
    clean_env.setenv("SF_CONSUMER_KEY", app["consumer_key"])
    clean_env.setenv("SALESFORCE__CONSUMER_SECRET", app["consumer_secret"])
    sf = connect("sandbox", settings=_settings(org_state, sf_auth="client_credentials"))
    assert _count(sf) == 1


def test_a_refused_login_names_the_org_answer_never_the_secret(org_state, app, clean_env):
    clean_env.setenv("SF_CONSUMER_KEY", app["consumer_key"])
    clean_env.setenv("SF_CONSUMER_SECRET", "wrong-secret-value")
    with pytest.raises(
        ConnectionConfigError, match="client credentials login was refused.*invalid_client"
    ) as exc:
        connect("sandbox", settings=_settings(org_state, sf_auth="client_credentials"))
    assert "wrong-secret-value" not in str(exc.value)


def test_sf_cli_alias_connects_and_refreshes_by_running_the_cli_again(org_state, app, clean_env, tmp_path):
    calls = install_sf_double(clean_env, tmp_path, org_state, app, alias="dp2sf-uat")
    sf = connect("sandbox", settings=_settings(org_state, sf_org="dp2sf-uat"))
    assert _count(sf) == 1
    sessions_admin(org_state, {"revoke": True})
    assert _count(sf) == 1
    lines = calls.read_text().splitlines()
    assert lines == ["org display --target-org dp2sf-uat --json"] * 2  # connect, then the renewal


def test_sf_cli_unknown_alias_is_named(org_state, app, clean_env, tmp_path):
    install_sf_double(clean_env, tmp_path, org_state, app, alias="dp2sf-uat")
    with pytest.raises(ConnectionConfigError, match="no usable org 'prod'.*No authorization found"):
        connect("sandbox", settings=_settings(org_state, sf_org="prod"))


def test_sf_cli_missing_says_how_to_install(org_state, clean_env):
    with pytest.raises(ConnectionConfigError, match="needs the Salesforce CLI"):
        connect("sandbox", settings=_settings(org_state, sf_org="x", sf_cli="sf-not-installed-here"))


def test_a_pasted_token_that_expires_stops_cleanly_with_the_resume_command(org_state, clean_env):
    sf = connect("sandbox", settings=_settings(org_state))  # the sandbox org's static (pasted) token
    sessions_admin(org_state, {"timeout_seconds": 0.5, "timeout_kind": "age", "static_token_expires": True})
    try:
        time.sleep(0.8)
        with pytest.raises(SessionEnded, match=r"cannot be renewed.*`dp2sf load --resume`") as exc:
            _count(sf)
        assert isinstance(exc.value, LimitStop)  # the loader's clean stop: status "stopped", resumable
    finally:
        sessions_admin(org_state, {"timeout_seconds": None, "static_token_expires": False})
    assert _count(sf) == 1


def test_password_login_is_kept_with_a_warning_and_no_secret_in_it(clean_env, caplog):
    clean_env.setenv("SF_USERNAME", "admin@example.com")
    clean_env.setenv("SF_PASSWORD", "hunter2-password")
    clean_env.setenv("SF_SECURITY_TOKEN", "tok-secret-123")
    with caplog.at_level(logging.WARNING, logger="dp2sf.connection"):
        login = choose_login(get_settings(target="salesforce"))
    assert isinstance(login, PasswordLogin)
    assert "connected app" in caplog.text
    for secret in ("hunter2-password", "tok-secret-123"):
        assert secret not in caplog.text and secret not in repr(login)


def test_real_org_auto_picks_the_flow_from_what_is_set(clean_env, tmp_path):
    clean_env.setenv("SF_CONSUMER_KEY", "3MVG9-key")
    clean_env.setenv("SF_USERNAME", "migration@example.com")
    clean_env.setenv("SF_PRIVATE_KEY_FILE", str(tmp_path / "server.key"))
    login = choose_login(get_settings(target="salesforce"))
    assert login.flow == "JWT bearer" and login.login_url == "https://login.salesforce.com"
    clean_env.setenv("SF_DOMAIN", "test")
    assert choose_login(get_settings(target="salesforce")).login_url == "https://test.salesforce.com"
    clean_env.setenv("DP2SF_SF_ORG", "uat")
    assert choose_login(get_settings(target="salesforce")).flow == "Salesforce CLI"
    clean_env.setenv("DP2SF_SF_AUTH", "client_credentials")
    with pytest.raises(ConnectionConfigError, match="SF_CONSUMER_SECRET, SF_INSTANCE_URL"):
        choose_login(get_settings(target="salesforce"))
