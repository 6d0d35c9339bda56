"""Helpers for the OAuth tests: a key pair with a self-signed certificate (as `openssl req -x509` makes for a
connected app), a signed JWT bearer assertion, a token request and a client on a token."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from simple_salesforce import Salesforce

from sandbox.connected_app import key_and_certificate
from tests.sandbox_salesforce.helpers import OrgHandle

ADMIN_USERNAME = "integration.0@dp2sf.sandbox"  # the org's first User (seed.py)
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    certificate_pem: str


def key_pair(common_name: str = "dp2sf-jwt") -> KeyPair:
    """An RSA key and a self-signed X.509 certificate for it (the one the sandbox's connected app uses)."""
    return KeyPair(*key_and_certificate(common_name, days=30))


def assertion(keys: KeyPair, iss: str, sub: str, aud: str, exp_in: float = 180, **extra: Any) -> str:
    """An RS256 JWT bearer assertion as Salesforce's flow wants it (iss, sub, aud, exp)."""
    claims = {"iss": iss, "sub": sub, "aud": aud, "exp": int(time.time() + exp_in), **extra}
    return jwt.encode(claims, keys.private_pem, algorithm="RS256")


def post_token(org: OrgHandle, data: dict, host_url: str | None = None, **kw: Any) -> requests.Response:
    """POST a form to the token endpoint on ``host_url`` (default: the login URL)."""
    base = host_url or org.endpoints["login_url"]
    return org.http.post(f"{base}/services/oauth2/token", data=data, timeout=30, **kw)


def jwt_token(org: OrgHandle, keys: KeyPair, consumer_key: str, sub: str = ADMIN_USERNAME) -> dict:
    resp = post_token(
        org,
        {
            "grant_type": JWT_GRANT,
            "assertion": assertion(keys, consumer_key, sub, org.endpoints["login_url"]),
        },
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def client_on(org: OrgHandle, token: str, instance_url: str | None = None) -> Salesforce:
    """A simple-salesforce client on an access token (as a client holding a fresh token builds one)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = org.endpoints["ca_cert"]
    return Salesforce(
        instance_url=instance_url or org.endpoints["instance_url"],
        session_id=token,
        session=session,
        version="62.0",
    )


def register_app(org: OrgHandle, **body: Any) -> dict:
    """Register a connected app through the admin API; returns it with its consumer key and secret."""
    return org.admin("POST", "/connected-apps", {"name": "dp2sf", **body})
