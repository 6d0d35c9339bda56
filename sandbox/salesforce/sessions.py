"""Sessions: the static token of ``endpoints.json`` plus the tokens the OAuth endpoint issues, and their
timeout.

Salesforce ends a session after the org's session timeout (Setup > Session Settings; "Sessions expire
automatically after a predetermined length of inactivity ... If you make an API call, the inactivity timer is
reset to zero", https://developer.salesforce.com/docs/atlas.en-us.256.0.api.meta/api/sforce_api_concepts_errorhandling.htm);
an ended session answers 401 ``INVALID_SESSION_ID`` "Session expired or invalid" on every API path, and only
a new token works again. An admin call sets the timeout, counted from the token's issue (``age``: a session
that dies mid-run however busy the client is) or from its last use (``inactivity``, as Salesforce documents).

Tokens are kept by their SHA-256 (never in clear) in the store's metadata, so a process restart keeps them.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.salesforce.errors import SFError

META_KEY = "oauth_sessions"
# the 401 body of an ended or unknown session, as Salesforce writes it (no "fields")
SESSION_INVALID = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
KINDS = ("age", "inactivity")
MAX_TIMEOUT_S = 24 * 3600  # Salesforce's longest session timeout value is 24 hours


@dataclass
class Session:
    """One live session (the token itself is not kept)."""

    user_id: str
    username: str
    flow: str  # static | jwt-bearer | client_credentials
    app: str | None  # the connected app's name
    issued: float  # epoch seconds
    last_used: float


@dataclass
class SessionSettings:
    """What the admin set: the timeout, how it counts, and whether the static token is subject to it."""

    timeout_seconds: float | None = None
    timeout_kind: str = "age"
    static_token_expires: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Checks bearer tokens for the transport; issues tokens for the OAuth endpoint."""

    def __init__(self, store: Any, static_token: str) -> None:
        self.store = store
        self._static = static_token
        self._lock = threading.Lock()
        self._load()

    # -- state ----------------------------------------------------------------------------------
    def _load(self) -> None:
        saved = self.store.get_meta(META_KEY, {}) or {}
        self.settings = SessionSettings(**saved.get("settings", {}))
        self.issued_total: dict[str, int] = dict(saved.get("issued_total", {}))
        self._live: dict[str, Session] = {k: Session(**v) for k, v in saved.get("live", {}).items()}
        now = time.time()
        self._static_session: Session | None = Session("", "", "static", None, now, now)

    def _save(self) -> None:
        self.store.set_meta(
            META_KEY,
            {
                "settings": asdict(self.settings),
                "issued_total": self.issued_total,
                "live": {k: asdict(v) for k, v in self._live.items()},
            },
        )

    def reset(self) -> None:
        """Back to the start (org reset): no timeout, no issued session, the static token valid again."""
        with self._lock:
            self.settings = SessionSettings()
            self.issued_total = {}
            self._live = {}
            now = time.time()
            self._static_session = Session("", "", "static", None, now, now)
            self._save()

    # -- admin ----------------------------------------------------------------------------------
    def configure(self, body: dict[str, Any]) -> dict:
        """``{timeout_seconds, timeout_kind, static_token_expires, revoke}`` (each optional)."""
        allowed = {"timeout_seconds", "timeout_kind", "static_token_expires", "revoke"}
        unknown = set(body) - allowed
        if unknown:
            raise SFError(
                400,
                "INVALID_FIELD",
                f"unknown session setting(s): {', '.join(sorted(unknown))}; allowed: "
                f"{', '.join(sorted(allowed))}",
            )
        with self._lock:
            if "timeout_seconds" in body:
                value = body["timeout_seconds"]
                if value is not None and (
                    not isinstance(value, int | float)
                    or isinstance(value, bool)
                    or not 0 < value <= MAX_TIMEOUT_S
                ):
                    raise SFError(
                        400, "INVALID_FIELD", f"timeout_seconds must be null or in (0, {MAX_TIMEOUT_S}]"
                    )
                self.settings.timeout_seconds = None if value is None else float(value)
            if "timeout_kind" in body:
                if body["timeout_kind"] not in KINDS:
                    raise SFError(400, "INVALID_FIELD", f"timeout_kind must be one of {', '.join(KINDS)}")
                self.settings.timeout_kind = body["timeout_kind"]
            if "static_token_expires" in body:
                self.settings.static_token_expires = bool(body["static_token_expires"])
                now = time.time()  # the static session's clock starts when it becomes mortal
                self._static_session = Session("", "", "static", None, now, now)
            if body.get("revoke"):
                self._live.clear()
                if self.settings.static_token_expires:
                    self._static_session = None
            self._save()
        return self.describe()

    def describe(self) -> dict:
        """Settings, issue counts per flow and the live sessions (no tokens)."""
        now = time.time()
        with self._lock:
            live = [
                {
                    "username": s.username,
                    "flow": s.flow,
                    "app": s.app,
                    "age_seconds": round(now - s.issued, 3),
                    "idle_seconds": round(now - s.last_used, 3),
                }
                for s in self._live.values()
                if not self._expired(s, now)
            ]
            static_alive = self._static_session is not None and not (
                self.settings.static_token_expires and self._expired(self._static_session, now)
            )
            return {
                **asdict(self.settings),
                "issued_total": dict(self.issued_total),
                "live": live,
                "static_token_valid": static_alive,
            }

    # -- tokens ---------------------------------------------------------------------------------
    def issue(self, org_id: str, user_id: str, username: str, flow: str, app: str) -> tuple[str, float]:
        """A new access token (``<org id 15>!<random>``, as Salesforce shapes them) and its issue time."""
        token = f"{org_id[:15]}!{secrets.token_urlsafe(48)}"
        now = time.time()
        with self._lock:
            self._live[_digest(token)] = Session(user_id, username, flow, app, now, now)
            self.issued_total[flow] = self.issued_total.get(flow, 0) + 1
            self._save()
        return token, now

    def _expired(self, session: Session, now: float) -> bool:
        timeout = self.settings.timeout_seconds
        if timeout is None:
            return False
        since = session.issued if self.settings.timeout_kind == "age" else session.last_used
        return now - since > timeout

    def check(self, token: str) -> bool:
        """True when ``token`` names a live session (its inactivity clock restarts); an expired session is
        ended for good."""
        if not token:
            return False
        now = time.time()
        with self._lock:
            if secrets.compare_digest(token.encode(), self._static.encode()):
                if not self.settings.static_token_expires:
                    return True
                static = self._static_session
                if static is None or self._expired(static, now):
                    self._static_session = None
                    return False
                static.last_used = now
                return True
            key = _digest(token)
            session = self._live.get(key)
            if session is None:
                return False
            if self._expired(session, now):  # ended for good (not saved now: reloaded, it is still expired)
                del self._live[key]
                return False
            session.last_used = now
            return True
