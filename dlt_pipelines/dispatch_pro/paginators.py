"""Paging for the ServiceTitan export endpoints (``from`` / ``continueFrom`` / ``hasMore``) and lists."""

from __future__ import annotations

from typing import Any

from dlt.sources.helpers.rest_client.paginators import BasePaginator, PageNumberPaginator
from requests import Request, Response


class ExportPaginator(BasePaginator):
    """Follows ``continueFrom`` while ``hasMore``: the next request sends it back as ``from``.

    ``last_continue_from`` keeps the final token so a resource without a ``modifiedOn`` cursor (job history)
    can resume from it on the next run.
    """

    def __init__(self, param: str = "from") -> None:
        super().__init__()
        self.param = param
        self.last_continue_from: str | None = None

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        body = response.json()
        token = body.get("continueFrom")
        if token:
            self.last_continue_from = token
        more = bool(body.get("hasMore"))
        if more and not token:
            raise ValueError(f"export page from {response.url} says hasMore but carries no continueFrom")
        self._has_next_page = more

    def update_request(self, request: Request) -> None:
        request.params[self.param] = self.last_continue_from


def list_paginator() -> PageNumberPaginator:
    """``page`` from 1, stop when ``hasMore`` is false (``totalCount`` is null unless asked for)."""
    return PageNumberPaginator(
        base_page=1,
        page=1,
        page_param="page",
        total_path=None,
        has_more_path="hasMore",
        stop_after_empty_page=True,
    )
