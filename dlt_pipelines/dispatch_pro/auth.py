"""OAuth2 client-credentials auth for the ServiceTitan (Dispatch Pro) API, shared by every resource.

One instance signs every request: it caches the token, refreshes it shortly before expiry (a minute, or a
quarter of the lifetime when tokens are short-lived), and on a 401 refreshes once and re-sends the request.
Secrets never appear in messages or logs.
"""

from __future__ import annotations

import threading
from typing import Any

from dlt.common.configuration.specs.base_configuration import configspec
from dlt.common.pendulum import pendulum
from dlt.sources.helpers.rest_client.auth import OAuth2ClientCredentials
from requests import PreparedRequest, Response

from core.errors import Dp2sfError

REFRESH_MARGIN_S = 60.0


# resources run in dlt's thread pool: one token request at a time (module level: rest_api deep-copies auth)
_TOKEN_LOCK = threading.Lock()


class AuthError(Dp2sfError):
    """The token endpoint refused the client credentials or could not be reached."""


@configspec
class ServiceTitanAuth(OAuth2ClientCredentials):
    """Client-credentials flow with token caching, early refresh and one re-send on 401."""

    refresh_margin_s: float = REFRESH_MARGIN_S
    default_token_expiration: int = 900

    def __post_init__(self) -> None:
        super().__post_init__()
        self.token_requests = 0

    def _refresh(self, stale: str | None = None) -> None:
        """Obtain a new token unless another thread already did (``stale``: the token that failed)."""
        with _TOKEN_LOCK:
            if stale is not None and stale != f"Bearer {self.access_token}":
                return
            if stale is not None or self.is_token_expired():
                self.obtain_token()

    def is_token_expired(self) -> bool:
        return self.access_token is None or pendulum.now() >= self.token_expiry

    def obtain_token(self) -> None:
        """POST the client credentials to the token URL and cache the token until shortly before expiry."""
        self.token_requests += 1
        try:
            response = self.session.post(self.access_token_url, **self.build_access_token_request())
        except Exception as exc:  # connection errors after the session's own retries
            raise AuthError(
                f"token request to {self.access_token_url} failed: {type(exc).__name__}"
            ) from None
        if response.status_code >= 400:
            raise AuthError(
                f"token request to {self.access_token_url} was refused with HTTP {response.status_code}: "
                "check client_id / client_secret"
            )
        body = response.json()
        if not body.get("access_token"):
            raise AuthError(f"token response from {self.access_token_url} carries no access_token")
        self.access_token = str(body["access_token"])
        expires_in = float(body.get("expires_in") or self.default_token_expiration)
        margin = min(self.refresh_margin_s, expires_in / 4)
        self.token_expiry = pendulum.now().add(seconds=expires_in - margin)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if self.is_token_expired():
            self._refresh()
        super().__call__(request)
        request.register_hook("response", self._resend_on_401)
        return request

    def _resend_on_401(self, response: Response, **kwargs: Any) -> Response:
        """On 401, refresh the token (unless another request already did) and send the request once more."""
        if response.status_code != 401:
            return response
        self._refresh(stale=response.request.headers.get("Authorization"))
        _ = response.content  # drain so the connection can be reused
        response.close()
        response.request.headers["Authorization"] = f"Bearer {self.access_token}"
        retry = response.request.copy()
        new = response.connection.send(retry, **kwargs)
        new.history.append(response)
        new.request = retry
        return new
