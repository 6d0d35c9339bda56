"""The OAuth token endpoint over real HTTPS: the JWT bearer flow (signature checked against the connected
app's certificate) and the client credentials flow (My Domain only), Salesforce's response and error shapes,
and tokens that work on every API like the static one."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import time
from pathlib import Path

import pytest

from tests.sandbox_salesforce.helpers import manifest
from tests.sandbox_salesforce.oauth_helpers import (
    ADMIN_USERNAME,
    JWT_GRANT,
    assertion,
    client_on,
    jwt_token,
    key_pair,
    post_token,
    register_app,
)

KEYS = key_pair()


@pytest.fixture(scope="module")
def app(org) -> dict:
    """A connected app with the module's certificate and a run-as user for client credentials."""
    return register_app(org, certificate=KEYS.certificate_pem, run_as=ADMIN_USERNAME)


def _error(resp) -> tuple[str, str]:
    assert resp.status_code == 400, resp.text
    body = resp.json()
    assert set(body) == {"error", "error_description"}, body
    return body["error"], body["error_description"]


def test_jwt_bearer_answers_in_salesforce_shape(org, app):
    body = jwt_token(org, KEYS, app["consumer_key"])
    assert set(body) == {"access_token", "scope", "instance_url", "id", "token_type"}
    assert body["token_type"] == "Bearer" and body["scope"] == "api"
    assert body["instance_url"] == org.endpoints["instance_url"]
    org_id = org.sf.query("SELECT Id FROM Organization")["records"][0]["Id"]
    user_id = org.sf.query(f"SELECT Id FROM User WHERE Username = '{ADMIN_USERNAME}'")["records"][0]["Id"]
    assert body["id"] == f"{org.endpoints['login_url']}/id/{org_id}/{user_id}"
    assert body["access_token"].startswith(org_id[:15] + "!")
    assert body["access_token"] != org.endpoints["access_token"]


def test_an_issued_token_works_for_rest_bulk_query_and_files(org, app):
    token = jwt_token(org, KEYS, app["consumer_key"])["access_token"]
    sf = client_on(org, token)
    account = sf.Account.create({"Name": "OAuth Account"})["id"]
    assert sf.Account.get(account)["Name"] == "OAuth Account"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'OAuth Account'")["totalSize"] == 1
    res = sf.bulk2.Account.insert(records=[{"Name": f"OAuth Bulk {i}"} for i in range(3)], wait=0.1)
    assert res[0]["numberRecordsProcessed"] == 3 and res[0]["numberRecordsFailed"] == 0
    pages = sf.bulk2.Account.query("SELECT Name FROM Account WHERE Name LIKE 'OAuth Bulk%'")
    names = {r["Name"] for page in pages for r in csv.DictReader(io.StringIO(page))}
    assert names == {f"OAuth Bulk {i}" for i in range(3)}
    data = b"file bytes through an OAuth session"
    up = org.raw(
        "POST",
        "/sobjects/ContentVersion",
        token=token,
        json={
            "Title": "oauth.txt",
            "PathOnClient": "oauth.txt",
            "VersionData": base64.b64encode(data).decode(),
            "FirstPublishLocationId": account,
        },
    )
    assert up.status_code == 201, up.text
    back = org.raw("GET", f"/sobjects/ContentVersion/{up.json()['id']}/VersionData", token=token)
    assert back.status_code == 200 and back.content == data
    # the static token of endpoints.json keeps working beside the issued ones
    assert org.sf.query("SELECT COUNT() FROM Account WHERE Name = 'OAuth Account'")["totalSize"] == 1


def test_jwt_token_endpoint_also_answers_on_my_domain(org, app):
    jwt = assertion(KEYS, app["consumer_key"], ADMIN_USERNAME, org.endpoints["login_url"])
    resp = post_token(org, {"grant_type": JWT_GRANT, "assertion": jwt}, org.endpoints["instance_url"])
    assert resp.status_code == 200, resp.text
    assert client_on(org, resp.json()["access_token"]).query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_jwt_bearer_errors_as_salesforce_words_them(org, app):
    login, key = org.endpoints["login_url"], app["consumer_key"]
    other = key_pair("someone-else")

    def ask(jwt: str, grant: str = JWT_GRANT) -> tuple[str, str]:
        return _error(post_token(org, {"grant_type": grant, "assertion": jwt}))

    assert ask(assertion(KEYS, "3MVG9unknown", ADMIN_USERNAME, login)) == (
        "invalid_client_id",
        "client identifier invalid",
    )
    assert ask(assertion(other, key, ADMIN_USERNAME, login)) == ("invalid_grant", "invalid assertion")
    assert ask("not.a.jwt") == ("invalid_grant", "invalid assertion")
    assert ask(_hs256_with_the_certificate(key, login)) == ("invalid_grant", "invalid assertion")
    assert ask(assertion(KEYS, key, ADMIN_USERNAME, org.endpoints["instance_url"])) == (
        "invalid_grant",
        "audience is invalid",
    )
    assert ask(assertion(KEYS, key, ADMIN_USERNAME, login, exp_in=-5)) == (
        "invalid_grant",
        "expired authorization code",
    )
    assert ask(assertion(KEYS, key, "nobody@example.com", login)) == (
        "invalid_grant",
        "user hasn't approved this consumer",
    )
    assert ask(assertion(KEYS, key, ADMIN_USERNAME, login), grant="password") == (
        "unsupported_grant_type",
        "grant type not supported",
    )


def _hs256_with_the_certificate(iss: str, aud: str) -> str:
    """A JWT "signed" HS256 with the public certificate as the secret (the key-confusion forgery)."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = {"iss": iss, "sub": ADMIN_USERNAME, "aud": aud, "exp": int(time.time()) + 120}
    signing = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    mac = hmac.new(KEYS.certificate_pem.encode(), signing.encode(), hashlib.sha256).digest()
    return signing + "." + b64(mac)


def test_jwt_bearer_only_for_pre_authorized_users(org):
    keys = key_pair("narrow")
    narrow = register_app(
        org, name="narrow", certificate=keys.certificate_pem, pre_authorized=["someone.else@example.com"]
    )
    jwt = assertion(keys, narrow["consumer_key"], ADMIN_USERNAME, org.endpoints["login_url"])
    assert _error(post_token(org, {"grant_type": JWT_GRANT, "assertion": jwt})) == (
        "invalid_grant",
        "user hasn't approved this consumer",
    )
    register_app(
        org, name="narrow", certificate=keys.certificate_pem, pre_authorized=[ADMIN_USERNAME.upper()]
    )
    assert post_token(org, {"grant_type": JWT_GRANT, "assertion": jwt}).status_code == 200


def test_client_credentials_answers_in_salesforce_shape(org, app):
    resp = post_token(
        org,
        {
            "grant_type": "client_credentials",
            "client_id": app["consumer_key"],
            "client_secret": app["consumer_secret"],
        },
        org.endpoints["instance_url"],
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert set(body) == {
        "access_token",
        "signature",
        "scope",
        "instance_url",
        "id",
        "token_type",
        "issued_at",
    }
    assert body["instance_url"] == org.endpoints["instance_url"] and body["token_type"] == "Bearer"
    assert abs(int(body["issued_at"]) - time.time() * 1000) < 60_000  # milliseconds since the epoch
    expected = hmac.new(
        app["consumer_secret"].encode(), (body["id"] + body["issued_at"]).encode(), hashlib.sha256
    ).digest()
    assert base64.b64decode(body["signature"]) == expected
    assert client_on(org, body["access_token"]).query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1


def test_client_credentials_in_a_basic_authorization_header(org, app):
    basic = base64.b64encode(f"{app['consumer_key']}:{app['consumer_secret']}".encode()).decode()
    resp = post_token(
        org,
        {"grant_type": "client_credentials"},
        org.endpoints["instance_url"],
        headers={"Authorization": f"Basic {basic}"},
    )
    assert resp.status_code == 200, resp.text


def test_client_credentials_errors_as_salesforce_words_them(org, app):
    my_domain = org.endpoints["instance_url"]
    good = {
        "grant_type": "client_credentials",
        "client_id": app["consumer_key"],
        "client_secret": app["consumer_secret"],
    }
    # the login host does not serve this flow: only the org's My Domain URL does
    assert _error(post_token(org, good)) == ("invalid_grant", "request not supported on this domain")
    assert _error(post_token(org, {**good, "client_secret": "wrong"}, my_domain)) == (
        "invalid_client",
        "invalid client credentials",
    )
    assert _error(post_token(org, {**good, "client_id": "3MVG9nope"}, my_domain)) == (
        "invalid_client_id",
        "client identifier invalid",
    )
    no_user = register_app(org, name="no-run-as")
    assert _error(
        post_token(
            org,
            {**good, "client_id": no_user["consumer_key"], "client_secret": no_user["consumer_secret"]},
            my_domain,
        )
    ) == ("invalid_grant", "no client credentials user enabled")


def test_admin_refuses_a_certificate_that_is_not_one(org):
    resp = org.http.post(
        org.endpoints["admin_url"] + "/connected-apps",
        json={"name": "bad", "certificate": "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"},
        headers={"X-Admin-Token": org.endpoints["admin_token"]},
        timeout=30,
    )
    assert resp.status_code == 400 and resp.json()[0]["errorCode"] == "INVALID_FIELD"
    listed = org.admin("GET", "/connected-apps")
    assert "bad" not in {a["name"] for a in listed}
    assert all("consumer_secret" not in a for a in listed)


def test_identity_url_names_the_user_and_refuses_an_ended_session(org, app):
    body = jwt_token(org, KEYS, app["consumer_key"])
    # the id names the login host; the identity service answers on every host of the org
    url = body["id"].replace(org.endpoints["login_url"], org.endpoints["instance_url"])
    resp = org.http.get(url, headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=30)
    assert resp.status_code == 200, resp.text
    me = resp.json()
    assert me["username"] == ADMIN_USERNAME and me["user_id"] == body["id"].rsplit("/", 1)[1]
    assert me["urls"]["rest"] == org.endpoints["instance_url"] + "/services/data/v{version}/"
    org.admin("POST", "/sessions", {"revoke": True})
    gone = org.http.get(url, headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=30)
    assert (gone.status_code, gone.text) == (403, "Bad_OAuth_Token")
    wrong = org.http.get(
        url.rsplit("/", 1)[0] + "/005000000000000AAA",
        headers={"Authorization": "Bearer " + org.endpoints["access_token"]},
        timeout=30,
    )
    assert (wrong.status_code, wrong.text) == (404, "Bad_Id")


def test_reset_forgets_apps_and_issued_sessions(org, app):
    token = jwt_token(org, KEYS, app["consumer_key"])["access_token"]
    org.admin("POST", "/reset")
    try:
        assert org.raw("GET", "/limits", token=token).status_code == 401
        assert org.admin("GET", "/connected-apps") == []
        assert org.raw("GET", "/limits").status_code == 200  # the static token is valid again
    finally:
        assert org.deploy(manifest())["success"]


def test_connected_app_register_gives_a_client_what_it_needs(org):
    import jwt as pyjwt

    from sandbox import connected_app

    info = connected_app.register(org.state_dir, name="cli")
    assert info["username"] == org.endpoints["username"] == ADMIN_USERNAME
    key_file = Path(info["private_key_file"])
    assert key_file.stat().st_mode & 0o777 == 0o600
    claims = {
        "iss": info["consumer_key"],
        "sub": info["username"],
        "aud": info["login_url"],
        "exp": int(time.time()) + 180,
    }
    signed = pyjwt.encode(claims, key_file.read_bytes(), algorithm="RS256")
    by_jwt = post_token(org, {"grant_type": JWT_GRANT, "assertion": signed})
    assert by_jwt.status_code == 200, by_jwt.text
    by_secret = org.http.post(
        info["token_url"],
        data={
            "grant_type": "client_credentials",
            "client_id": info["consumer_key"],
            "client_secret": info["consumer_secret"],
        },
        timeout=30,
    )
    assert by_secret.status_code == 200, by_secret.text
    for body in (by_jwt.json(), by_secret.json()):
        assert client_on(org, body["access_token"]).query("SELECT Id FROM User LIMIT 1")["totalSize"] == 1
