"""How the workbench gets a Salesforce session: the ways admins connect tools, each able to say whether it can
get a new session when the org ends the current one.

- :class:`SfCliLogin`: an org the admin authorised with the Salesforce CLI (``DP2SF_SF_ORG=<alias>``);
  ``sf org display --target-org <alias> --json`` answers
  ``{"status": 0, "result": {"accessToken", "instanceUrl", ...}}``
  (https://developer.salesforce.com/docs/platform/salesforce-cli-reference/guide/cli_reference_org_display.html);
  running it again gives a live token (the CLI refreshes it). Newer CLIs redact the token there; then
  ``sf org auth show-access-token --target-org <alias> --json`` gives it
  (https://developer.salesforce.com/docs/atlas.en-us.sfdx_dev.meta/sfdx_dev/sfdx_dev_auth_existing_access_token.htm).
- :class:`JwtBearerLogin`: OAuth 2.0 JWT bearer flow (connected app consumer key, username, private key file):
  an RS256 JWT with ``iss`` = consumer key, ``sub`` = username, ``aud`` = the login URL, ``exp`` posted to
  ``<login URL>/services/oauth2/token``
  (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm).
- :class:`ClientCredentialsLogin`: consumer key and secret posted to the My Domain URL's token endpoint
  (https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm).
- :class:`PasswordLogin`: username, password and security token (SOAP login through simple-salesforce); kept
  for old setups, with a warning.
- :class:`StaticToken`: a pasted access token (or the sandbox org's static one): it cannot be renewed.

Secrets are passed in, never logged: ``repr`` of a login names the flow and the public parts only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import requests

from core.errors import Dp2sfError

TOKEN_PATH = "/services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class LoginError(Dp2sfError):
    """A login flow got no session (the message names the flow and the org's answer, never a secret)."""


@dataclass(frozen=True)
class Session:
    """A live session: where the org is and the bearer token for it."""

    instance_url: str
    access_token: str = field(repr=False)


def _oauth_error(flow: str, response: requests.Response) -> LoginError:
    try:
        body = response.json()
        reason = f"{body.get('error', '?')}: {body.get('error_description', '')}"
    except ValueError:
        reason = f"HTTP {response.status_code}"
    return LoginError(f"the {flow} login was refused by the org ({reason})")


def _token_response(flow: str, session: requests.Session, url: str, data: dict) -> Session:
    try:
        response = session.post(url, data=data, timeout=60)
    except requests.RequestException as exc:
        raise LoginError(f"the {flow} login could not reach {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise _oauth_error(flow, response)
    body = response.json()
    return Session(body["instance_url"].rstrip("/"), body["access_token"])


class Login:
    """A way to get a session; ``renewable`` says whether :meth:`login` can be called again for a new one."""

    flow = "login"
    renewable = True

    def login(self, session: requests.Session) -> Session:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.flow}>"


@dataclass(repr=False)
class StaticToken(Login):
    """A pasted token: valid until the org ends it; then the run stops for a fresh one."""

    instance_url: str
    access_token: str
    flow: str = "access token"
    renewable = False

    def login(self, session: requests.Session) -> Session:
        return Session(self.instance_url.rstrip("/"), self.access_token)


@dataclass(repr=False)
class SfCliLogin(Login):
    """An org authorised with the Salesforce CLI, by alias or username."""

    alias: str
    executable: str = "sf"
    flow: str = "Salesforce CLI"

    def _run(self, *args: str) -> dict:
        exe = shutil.which(self.executable)
        if not exe:
            raise LoginError(
                f"DP2SF_SF_ORG={self.alias} needs the Salesforce CLI (`{self.executable}`) on PATH; "
                "install it and authorise the org with `sf org login web --alias <alias>`"
            )
        proc = subprocess.run(
            [exe, *args, "--target-org", self.alias, "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NO_COLOR": "1", "SF_DISABLE_COLORS": "true"},
        )
        try:
            answer = json.loads(proc.stdout)
        except ValueError:
            raise LoginError(
                f"`sf {' '.join(args)} --target-org {self.alias}` did not answer JSON "
                f"(exit {proc.returncode})"
            ) from None
        if answer.get("status", 1) != 0 or not isinstance(answer.get("result"), dict):
            message = answer.get("message") or answer.get("name") or "no result"
            raise LoginError(f"the Salesforce CLI has no usable org {self.alias!r}: {message}")
        return answer["result"]

    def login(self, session: requests.Session) -> Session:
        result = self._run("org", "display")
        token = result.get("accessToken") or ""
        if not token or "REDACTED" in token.upper() or " " in token:
            token = self._run("org", "auth", "show-access-token").get("accessToken") or ""
        if not token or not result.get("instanceUrl"):
            raise LoginError(f"the Salesforce CLI gave no access token or instance URL for {self.alias!r}")
        return Session(result["instanceUrl"].rstrip("/"), token)


@dataclass(repr=False)
class JwtBearerLogin(Login):
    """OAuth 2.0 JWT bearer flow: a connected app with a certificate, a pre-authorised user."""

    consumer_key: str
    username: str
    private_key_file: Path
    login_url: str = "https://login.salesforce.com"
    flow: str = "JWT bearer"

    def login(self, session: requests.Session) -> Session:
        try:
            key = Path(self.private_key_file).read_bytes()
        except OSError as exc:
            raise LoginError(
                f"cannot read the JWT private key file {self.private_key_file}: {exc.strerror}"
            ) from None
        audience = self.login_url.rstrip("/")
        claims = {
            "iss": self.consumer_key,
            "sub": self.username,
            "aud": audience,
            "exp": int(time.time()) + 180,
        }
        assertion = jwt.encode(claims, key, algorithm="RS256")
        return _token_response(
            self.flow, session, audience + TOKEN_PATH, {"grant_type": JWT_GRANT, "assertion": assertion}
        )


@dataclass(repr=False)
class ClientCredentialsLogin(Login):
    """OAuth 2.0 client credentials flow on the org's My Domain URL (the app's run-as user)."""

    consumer_key: str
    consumer_secret: str
    my_domain_url: str
    flow: str = "client credentials"

    def login(self, session: requests.Session) -> Session:
        data = {
            "grant_type": "client_credentials",
            "client_id": self.consumer_key,
            "client_secret": self.consumer_secret,
        }
        return _token_response(self.flow, session, self.my_domain_url.rstrip("/") + TOKEN_PATH, data)


@dataclass(repr=False)
class PasswordLogin(Login):
    """Username, password and security token (SOAP login): for old setups; admins prefer a connected app."""

    username: str
    password: str
    security_token: str
    domain: str = "login"
    flow: str = "password"

    def login(self, session: requests.Session) -> Session:
        from simple_salesforce.exceptions import SalesforceAuthenticationFailed
        from simple_salesforce.login import SalesforceLogin

        try:
            token, host = SalesforceLogin(
                username=self.username,
                password=self.password,
                security_token=self.security_token,
                domain=self.domain,
                session=session,
            )
        except SalesforceAuthenticationFailed as exc:
            raise LoginError(f"the password login was refused: {exc.code}") from None
        return Session(f"https://{host}", token)
