"""Bad-day outages over real HTTPS: an org restart (connections reset, or 503), a hang on a path (held,
bounded, released when cleared), a one-shot 503 on a file read-back, and a low daily API limit reached by
real calls (403 REQUEST_LIMIT_EXCEEDED, /limits and Sforce-Limit-Info agreeing)."""

from __future__ import annotations

import base64
import threading
import time

import pytest
import requests
from simple_salesforce.exceptions import SalesforceRefusedRequest

from tests.sandbox_salesforce.oauth_helpers import JWT_GRANT, post_token


@pytest.fixture(autouse=True)
def clear_outages(org):
    yield
    org.admin("POST", "/outages", {"clear": True})


def _upload(org, title: str, data: bytes) -> str:
    resp = org.raw(
        "POST",
        "/sobjects/ContentVersion",
        json={"Title": title, "PathOnClient": f"{title}.bin", "VersionData": base64.b64encode(data).decode()},
    )
    assert resp.status_code == 201, resp.text
    return resp.json()["id"]


def test_restart_resets_every_connection_then_the_org_is_back_with_its_state(org):
    account = org.sf.Account.create({"Name": "Survives Restart"})["id"]
    org.admin("POST", "/outages", {"restart": {"seconds": 1.5}})
    with pytest.raises(requests.exceptions.ConnectionError):
        org.raw("GET", "/limits")
    with pytest.raises(requests.exceptions.ConnectionError):
        post_token(org, {"grant_type": JWT_GRANT, "assertion": "x"})
    with pytest.raises(requests.exceptions.ConnectionError):
        org.http.get(org.endpoints["instance_url"] + "/health", timeout=10)
    state = org.admin("GET", "/outages")  # the admin API stays up, to see and clear outages
    assert 0 < state["restart"]["seconds_left"] <= 1.5 and state["restart"]["mode"] == "reset"
    time.sleep(1.6)
    assert org.sf.Account.get(account)["Name"] == "Survives Restart"
    assert org.admin("GET", "/outages")["restart"] is None


def test_restart_in_503_mode_answers_server_unavailable(org):
    org.admin("POST", "/outages", {"restart": {"seconds": 1.0, "mode": "503"}})
    resp = org.raw("GET", "/query", params={"q": "SELECT Id FROM User"})
    assert resp.status_code == 503 and resp.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    time.sleep(1.1)
    assert org.raw("GET", "/query", params={"q": "SELECT Id FROM User"}).status_code == 200


def test_hang_holds_matching_requests_for_its_seconds_only(org):
    org.admin("POST", "/outages", {"hang": {"path": r"/query$", "seconds": 1.0}})
    started = time.monotonic()
    assert org.raw("GET", "/limits").status_code == 200  # another path is not held
    assert time.monotonic() - started < 0.9
    started = time.monotonic()
    assert org.raw("GET", "/query", params={"q": "SELECT Id FROM User"}).status_code == 200
    assert time.monotonic() - started >= 1.0
    with pytest.raises(requests.exceptions.ReadTimeout):  # a client with a shorter timeout gives up
        org.http.get(
            org.base + "/query",
            params={"q": "SELECT Id FROM User"},
            headers={"Authorization": "Bearer " + org.endpoints["access_token"]},
            timeout=0.3,
        )
    assert org.admin("GET", "/outages")["hangs"][0]["held"] == 2


def test_clearing_a_hang_releases_held_requests_at_once(org):
    org.admin("POST", "/outages", {"hang": {"path": r"/sobjects$", "method": "GET", "seconds": 60}})
    result: dict = {}

    def call() -> None:
        started = time.monotonic()
        result["status"] = org.raw("GET", "/sobjects").status_code
        result["took"] = time.monotonic() - started

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.5)
    assert "status" not in result  # still held
    org.admin("POST", "/faults", {"clear": True})  # clearing the faults clears the outages too
    worker.join(timeout=10)
    assert result["status"] == 200 and result["took"] < 5


def test_one_shot_503_on_a_file_read_back(org):
    data = b"read me back"
    cv_id = _upload(org, "readback", data)
    path = rf"/ContentVersion/{cv_id}/VersionData$"
    org.admin("POST", "/outages", {"fail": {"path": path, "method": "GET", "status": 503}})
    assert org.raw("GET", "/limits").status_code == 200  # only the chosen path fails
    first = org.raw("GET", f"/sobjects/ContentVersion/{cv_id}/VersionData")
    assert first.status_code == 503 and first.json()[0]["errorCode"] == "SERVER_UNAVAILABLE"
    again = org.raw("GET", f"/sobjects/ContentVersion/{cv_id}/VersionData")
    assert again.status_code == 200 and again.content == data
    assert org.admin("GET", "/outages")["fails"] == []


def test_outages_are_bounded_and_validated(org):
    bad = [
        {"hang": {"path": "/query", "seconds": 500}},
        {"hang": {"path": "/query"}},
        {"restart": {"seconds": 0}},
        {"restart": {"seconds": 5, "mode": "maybe"}},
        {"fail": {"path": "(", "status": 503}},
        {"fail": {"path": "/x", "status": 404}},
        {"flood": True},
    ]
    for body in bad:
        resp = org.http.post(
            org.endpoints["admin_url"] + "/outages",
            json=body,
            headers={"X-Admin-Token": org.endpoints["admin_token"]},
            timeout=30,
        )
        assert resp.status_code == 400, body
    state = org.admin("GET", "/outages")
    assert (state["restart"], state["hangs"], state["fails"]) == (None, [], [])


def test_low_daily_limit_is_spent_by_real_calls(org):
    daily = org.sf.limits()["DailyApiRequests"]
    used = daily["Max"] - daily["Remaining"]  # this call counted in
    cap = used + 3  # room for the /limits call below, a query and a bulk call, then nothing
    org.admin("POST", "/settings", {"limits": {"DailyApiRequests": cap}})
    try:
        limits = org.raw("GET", "/limits")
        assert limits.json()["DailyApiRequests"] == {"Max": cap, "Remaining": 2}
        assert limits.headers["Sforce-Limit-Info"] == f"api-usage={cap - 2}/{cap}"
        assert org.raw("GET", "/query", params={"q": "SELECT Id FROM User"}).status_code == 200
        assert org.raw("GET", "/jobs/ingest").status_code == 200
        for method, path in (("GET", "/limits"), ("POST", "/jobs/ingest"), ("GET", "/sobjects")):
            resp = org.raw(method, path, json={})
            assert resp.status_code == 403, path
            assert resp.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
            assert resp.json()[0]["message"] == "TotalRequests Limit exceeded."
            assert resp.headers["Sforce-Limit-Info"] == f"api-usage={cap}/{cap}"
        with pytest.raises(SalesforceRefusedRequest):
            org.sf.query("SELECT Id FROM User")
    finally:
        org.admin("POST", "/settings", {"limits": {"DailyApiRequests": daily["Max"]}})
        org.admin("POST", "/faults", {"clear": True})
    assert org.raw("GET", "/limits").status_code == 200
