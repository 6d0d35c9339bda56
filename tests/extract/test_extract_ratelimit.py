"""ServiceTitan's limit of 60 requests per second per app and tenant: the simulator enforces it with 429 and
``Retry-After``; the source paces itself under it, and still completes when it is pushed over it."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests
from extract_support import NOT_TABLES, Sim

from dlt_pipelines.dispatch_pro.pacing import Pacer
from dlt_pipelines.pipeline import run_extract


def _token(sim: Sim) -> str:
    ep = sim.endpoints
    form = {
        "grant_type": "client_credentials",
        "client_id": ep["client_id"],
        "client_secret": ep["client_secret"],
    }
    return requests.post(ep["token_url"], data=form, timeout=10).json()["access_token"]


def test_the_simulator_answers_429_with_retry_after_over_60_per_second(sim: Sim) -> None:
    ep = sim.endpoints
    headers = {"Authorization": f"Bearer {_token(sim)}", "ST-App-Key": ep["app_key"]}
    url = f"{ep['base_url']}/jpm/v2/tenant/{ep['tenant']}/job-types"
    session = requests.Session()

    def get(_: int) -> requests.Response:
        return session.get(url, headers=headers, timeout=10)

    started = time.monotonic()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(get, range(240)))
    elapsed = time.monotonic() - started
    codes = Counter(r.status_code for r in answers)
    assert codes[429] > 0 and set(codes) == {200, 429}, codes
    # a full bucket (60) plus 60 per second of refill: never more than that was served
    assert codes[200] <= 60 + 60 * elapsed + 1, (codes, elapsed)
    refused = next(r for r in answers if r.status_code == 429)
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["status"] == 429 and "60 requests per second" in refused.json()["title"]
    assert sim.admin("GET", "settings")["rate_limited_requests"] >= codes[429]


def test_the_pacer_spaces_requests_across_threads() -> None:
    pacer = Pacer(50.0)
    stamps: list[float] = []

    def hit(_: int) -> None:
        pacer.wait()
        stamps.append(time.monotonic())

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(hit, range(60)))
    stamps.sort()
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert (stamps[-1] - stamps[0]) >= 59 / 50 * 0.95  # 60 requests at 50/s take >= 1.18 s
    assert sorted(gaps)[len(gaps) // 2] >= 0.015  # evenly spaced, not bursts


def test_the_paced_source_stays_under_the_limit_and_a_pushed_one_still_completes(
    sim: Sim, tmp_path, monkeypatch
) -> None:
    expected = {k: v for k, v in sim.counts().items() if k not in NOT_TABLES}
    sim.admin("DELETE", "requests")
    paced = run_extract(sim.settings(tmp_path / "paced"), full=True)
    statuses = Counter(r["status"] for r in sim.requests())
    assert statuses[429] == 0, statuses  # the source's own pacing kept it under 60/s
    assert {k: paced.row_counts.get(k) for k in expected} == expected

    # pushed over the limit (server 20/s, source at its default 55/s): 429s, Retry-After honoured, all lands
    sim.admin("POST", "settings", json={"rate_limit_per_s": 20})
    try:
        sim.admin("DELETE", "requests")
        pushed = run_extract(sim.settings(tmp_path / "pushed"), full=True)
    finally:
        sim.admin("POST", "settings", json={"rate_limit_per_s": 60})
    statuses = Counter(r["status"] for r in sim.requests())
    assert statuses[429] > 0, statuses
    assert {k: pushed.row_counts.get(k) for k in expected} == expected
