"""Injected faults: 429 with Retry-After, 500, expired tokens, slow responses, a malformed page."""

from __future__ import annotations

import json
import time

import pytest


@pytest.fixture()
def faults(dp_private):
    dp_private.admin("DELETE", "/faults")
    yield dp_private
    dp_private.admin("DELETE", "/faults")


def test_429_burst_with_retry_after(faults) -> None:
    resp = faults.admin("POST", "/faults", json={"kind": "429", "count": 2, "retry_after": 1})
    assert resp.status_code == 200 and resp.json()["faults"][0]["kind"] == "429"
    codes = [faults.get("crm", "export/customers", wait_429=False) for _ in range(3)]
    assert [r.status_code for r in codes] == [429, 429, 200]
    assert codes[0].headers["Retry-After"] == "1"
    assert set(codes[0].json()) == {"type", "title", "status", "traceId", "errors", "data"}


def test_500_scoped_by_path(faults) -> None:
    faults.admin("POST", "/faults", json={"kind": "500", "count": 1, "path_contains": "/export/jobs"})
    assert faults.get("crm", "export/customers").status_code == 200
    assert faults.get("jpm", "export/jobs").status_code == 500
    assert faults.get("jpm", "export/jobs").status_code == 200


def test_expire_tokens_makes_current_tokens_401(faults) -> None:
    faults.new_token()
    assert faults.get("crm", "export/customers").status_code == 200
    assert faults.admin("POST", "/faults", json={"kind": "expire_tokens"}).json()["expired_tokens"] >= 1
    assert faults.get("crm", "export/customers").status_code == 401
    faults.new_token()
    assert faults.get("crm", "export/customers").status_code == 200


def test_slow_response(faults) -> None:
    faults.admin("POST", "/faults", json={"kind": "slow", "seconds": 0.6, "count": 1})
    started = time.monotonic()
    assert faults.get("jpm", "job-types").status_code == 200
    assert time.monotonic() - started >= 0.6
    started = time.monotonic()
    faults.get("jpm", "job-types")
    assert time.monotonic() - started < 0.6


def test_malformed_page_is_200_with_invalid_json(faults) -> None:
    faults.admin("POST", "/faults", json={"kind": "malformed", "path_contains": "/export/jobs", "count": 1})
    resp = faults.get("jpm", "export/jobs")
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.content)
    assert len(resp.content) == int(resp.headers["content-length"])
    assert faults.get("jpm", "export/jobs").json()["data"]


def test_bad_fault_bodies_are_rejected(faults) -> None:
    for body in (
        {"kind": "explode"},
        {"kind": "429", "count": 0},
        {"kind": "slow", "seconds": "x"},
        {"kind": "500", "colour": 1},
    ):
        resp = faults.admin("POST", "/faults", json=body)
        assert resp.status_code == 400, body
    assert faults.admin("GET", "/faults").json()["faults"] == []
