"""Session renewal: when the org ends a session mid-run, get a new one and send the refused request again.

Salesforce ends a session after the org's timeout or when an admin revokes it; every API call then answers 401
``[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]``
(https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm, "401 The session ID
or OAuth token used has expired or is invalid"). A :class:`Renewer` is a ``requests`` response hook on the
client's session (as ``requests``' own digest auth answers a 401): it logs in again through the connection's
:class:`~core.logins.Login` once (under a lock, so parallel lanes share the one renewal), updates the
simple-salesforce client's token in place (its Bulk 2.0 clients read the same ``headers`` dict), rewinds the
request body and sends the request again. A login that cannot renew (a pasted token) raises
:class:`SessionEnded`, a clean stop with the ``--resume`` command, from wherever the call was made.
"""

from __future__ import annotations

import threading
import time

import requests
from requests.utils import rewind_body
from simple_salesforce import Salesforce

from core.logins import Login, LoginError
from core.org_api import LimitStop

EXPIRED_CODE = "INVALID_SESSION_ID"


class SessionEnded(LimitStop):
    """The org ended the session and this login cannot get a new one: the run stops cleanly to resume."""


def is_session_end(response: requests.Response) -> bool:
    """A 401 whose body carries ``INVALID_SESSION_ID`` (REST, Bulk 2.0, SOQL, files alike)."""
    if response.status_code != 401:
        return False
    try:
        return EXPIRED_CODE in response.content[:4096].decode("utf-8", "replace")
    except (requests.RequestException, RuntimeError):  # a streamed body already read
        return False


class Renewer:
    """Renews ``sf``'s session through ``login`` and replays the refused request (one renewal per ended
    session however many lanes saw it end)."""

    def __init__(self, sf: Salesforce, login: Login):
        self.sf = sf
        self.login = login
        self.lock = threading.Lock()
        self.renewals: list[float] = []  # when each renewal happened (time.time())

    def install(self) -> Renewer:
        """Put the hook first on the client's session, before any accounting hook."""
        self.sf.session.hooks.setdefault("response", []).insert(0, self)
        return self

    def _stop(self, reason: str) -> SessionEnded:
        return SessionEnded(
            f"the org ended the session ({EXPIRED_CODE}) and {reason}: the run stopped cleanly; connect "
            "again (a fresh SF_ACCESS_TOKEN, or better DP2SF_SF_ORG / the JWT bearer or client credentials "
            "flow, which renew by themselves) and run the same command with `--resume` "
            "(`dp2sf load --resume`, "
            "`dp2sf rollback <run> --resume`) to continue it"
        )

    def _renew(self, stale: str) -> str:
        """The current ``Authorization`` header, after a renewal unless another thread already renewed."""
        with self.lock:
            current = self.sf.headers.get("Authorization", "")
            if current != stale:
                return current
            if not self.login.renewable:
                raise self._stop(f"a {self.login.flow} cannot be renewed")
            try:
                fresh = self.login.login(self.sf.session)
            except LoginError as exc:
                raise self._stop(f"renewing it failed: {exc}") from None
            self.sf.session_id = fresh.access_token
            self.sf.headers["Authorization"] = (
                "Bearer " + fresh.access_token
            )  # in place: Bulk clients share it
            self.renewals.append(time.time())
            return self.sf.headers["Authorization"]

    def __call__(self, response: requests.Response, *args, **kwargs) -> requests.Response | None:
        if not is_session_end(response):
            return None
        request = response.request
        sent = request.headers.get("Authorization", "")
        if not sent.startswith("Bearer "):  # not a call with our token (e.g. the token endpoint itself)
            return None
        fresh = self._renew(sent)
        body = request.body
        if body is not None and not isinstance(body, str | bytes):
            if getattr(request, "_body_position", None) is None:
                return None  # a one-shot stream (multipart): the caller sees the 401 and sends it again
            rewind_body(request)
        retry = request.copy()
        retry.headers["Authorization"] = fresh
        response.close()
        again = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again
