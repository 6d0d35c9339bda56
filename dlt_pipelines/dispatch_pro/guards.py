"""Response guard: parse each JSON page once (orjson) and fail clearly on a malformed page."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from requests import Response

from core.errors import Dp2sfError


class MalformedPageError(Dp2sfError):
    """A 2xx response whose body is not the JSON page the endpoint promises."""


class PageGuard:
    """A rest_api response hook for one endpoint: counts good pages, names the page that is bad.

    On success the parsed body replaces ``response.json`` so dlt and the paginator reuse it instead of parsing
    the body again with the stdlib.
    """

    def __init__(self, endpoint: str, cursor_params: tuple[str, ...] = ("from", "page")) -> None:
        self.endpoint = endpoint
        self.cursor_params = cursor_params
        self.pages = 0

    def _where(self, response: Response) -> str:
        query = parse_qs(urlsplit(response.url).query)
        cursor = [f"{key}={query[key][0]}" for key in self.cursor_params if key in query]
        return ", ".join([*cursor, f"page {self.pages + 1}"])

    def __call__(self, response: Response, *args: Any, **kwargs: Any) -> None:
        if not 200 <= response.status_code < 300:
            return
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise MalformedPageError(
                f"malformed response from {self.endpoint} ({self._where(response)}): invalid JSON: {exc}"
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise MalformedPageError(
                f"malformed response from {self.endpoint} ({self._where(response)}): "
                "expected an object with a data[] list"
            )
        self.pages += 1
        response.json = lambda **_: body  # type: ignore[method-assign]
