"""Fixtures for the Dispatch Pro simulator tests: an API client over real HTTP, and a private server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from sandbox import control


@dataclass
class DpClient:
    """A small client for the simulator: token, API GETs, paging helpers, admin calls."""

    ep: dict[str, Any]
    session: requests.Session = field(default_factory=requests.Session)
    token: str | None = None
    rate_limited: int = 0

    def new_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.ep["client_id"],
            "client_secret": self.ep["client_secret"],
        }
        resp = self.session.post(self.ep["token_url"], data=form, timeout=10)
        resp.raise_for_status()
        self.token = resp.json()["access_token"]
        return self.token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token or self.new_token()}", "ST-App-Key": self.ep["app_key"]}

    def url(self, module: str, path: str) -> str:
        version = "v1" if module == "dispatch-pro" else "v2"
        return f"{self.ep['base_url']}/{module}/{version}/tenant/{self.ep['tenant']}/{path}"

    def get(self, module: str, path: str, wait_429: bool = True, **params: Any) -> requests.Response:
        """One GET; a 429 (the 60 requests/s limit) is waited out as its Retry-After says, like a client."""
        for _ in range(30 if wait_429 else 1):
            resp = self.session.get(self.url(module, path), params=params, headers=self.headers(), timeout=30)
            if resp.status_code != 429:
                return resp
            self.rate_limited += 1
            time.sleep(float(resp.headers["Retry-After"]))
        return resp

    def export_all(self, module: str, path: str, **params: Any) -> tuple[list[dict], list[dict]]:
        """Every record of an export endpoint (following continueFrom), and the raw pages."""
        records, pages = [], []
        while True:
            resp = self.get(module, path, **params)
            assert resp.status_code == 200, resp.text
            page = resp.json()
            pages.append(page)
            records += page["data"]
            if not page["hasMore"]:
                return records, pages
            params["from"] = page["continueFrom"]
            assert len(pages) < 10_000

    def list_all(self, module: str, path: str, page_size: int = 50, **params: Any) -> list[dict]:
        out, page = [], 1
        while True:
            resp = self.get(module, path, page=page, pageSize=page_size, **params)
            assert resp.status_code == 200, resp.text
            body = resp.json()
            out += body["data"]
            if not body["hasMore"]:
                return out
            page += 1

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-Admin-Token": self.ep["admin_token"]}
        return self.session.request(
            method, f"{self.ep['admin_url']}{path}", headers=headers, timeout=30, **kwargs
        )


@pytest.fixture(scope="session")
def dp(dispatch_pro_endpoints: dict) -> DpClient:
    """Client of the shared, read-only simulator (seed 42, tiny)."""
    return DpClient(dispatch_pro_endpoints)


@pytest.fixture(scope="session")
def dp_private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DpClient]:
    """A simulator of our own (seed 42, tiny) that tests may change: admin changes, faults, settings."""
    state = tmp_path_factory.mktemp("dp_private")
    try:
        yield DpClient(control.up(state, seed=42, scale="tiny", which=("dispatch_pro",))["dispatch_pro"])
    finally:
        control.down(state)
