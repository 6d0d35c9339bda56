"""The hostile corpus (issue 18): served through the API, as a tenant would, in every kind of source text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox import control
from sandbox.dispatch_pro import hostile
from sandbox.dispatch_pro.generator import counts
from tests.sandbox_dispatch_pro.conftest import DpClient

ALL = set(hostile.VALUES)


@pytest.fixture(scope="module")
def dp_hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DpClient]:
    state = tmp_path_factory.mktemp("dp_hostile")
    try:
        ep = control.up(state, seed=42, scale="tiny", which=("dispatch_pro",), corpus="hostile")
        yield DpClient(ep["dispatch_pro"])
    finally:
        control.down(state)


@pytest.fixture(scope="module")
def served(dp_hostile: DpClient) -> dict[str, list[str]]:
    """Every kind of source text, as the API serves it."""
    dp = dp_hostile
    customers, _ = dp.export_all("crm", "export/customers")
    locations, _ = dp.export_all("crm", "export/locations")
    jobs, _ = dp.export_all("jpm", "export/jobs")
    notes, _ = dp.export_all("jpm", "export/job-notes")
    technicians, _ = dp.export_all("settings", "export/technicians")
    items, _ = dp.export_all("accounting", "export/invoice-items")
    invoices, _ = dp.export_all("accounting", "export/invoices")
    zones = dp.list_all("dispatch", "zones", active="Any")
    field_types = [
        t
        for module, path in (
            ("crm", "customers/custom-fields"),
            ("crm", "locations/custom-fields"),
            ("jpm", "jobs/custom-fields"),
            ("accounting", "invoices/custom-fields"),
        )
        for t in dp.list_all(module, path)
    ]
    files = [a["fileName"] for j in jobs[:40] for a in dp.list_all("forms", f"jobs/{j['id']}/attachments")]
    custom = [f for r in customers + locations + jobs + invoices for f in r.get("customFields") or []]
    return {
        "custom_field_name": [t["name"] for t in field_types] + [f["name"] for f in custom],
        "custom_field_value": [f["value"] for f in custom],
        "customer_name": [c["name"] for c in customers],
        "location_name": [loc["name"] for loc in locations],
        "technician_name": [t["name"] for t in technicians],
        "note": [n["text"] for n in notes],
        "job_summary": [j["summary"] for j in jobs],
        "file_name": [name.rsplit(".", 1)[0] for name in files],
        "zone_name": [z["name"] for z in zones],
        "sku_name": [i["skuName"] for i in items] + [i["skuName"] for v in invoices for i in v["items"]],
    }


def test_every_kind_of_source_text_is_covered(served: dict[str, list[str]]) -> None:
    assert set(served) == set(hostile.KINDS)


@pytest.mark.parametrize("kind", hostile.KINDS)
def test_the_api_serves_hostile_values_in_each_kind(served: dict[str, list[str]], kind: str) -> None:
    texts = served[kind]
    found = {v for v in hostile.VALUES if v in texts} | {v for v in hostile.FIELD_NAMES if v in texts}
    assert found, f"no hostile value in {kind}"
    # the findings of issue 18 reach every kind: template code, live HTML, a formula (or their first ones)
    assert hostile.VALUES[0] in texts or any("{{ env_var(" in t for t in texts), kind
    assert any("<img src=x onerror=alert(1)>" in t for t in texts), kind


@pytest.mark.parametrize("kind", ["custom_field_value", "customer_name", "note", "file_name", "job_summary"])
def test_the_large_kinds_carry_every_hostile_value(served: dict[str, list[str]], kind: str) -> None:
    missing = [name for name, v in hostile.HOSTILE_VALUES.items() if v not in served[kind]]
    assert not missing, f"{kind} lacks {missing}"


def test_nul_and_ten_thousand_characters_arrive_intact(served: dict[str, list[str]]) -> None:
    notes = served["note"]
    assert "before\x00after" in notes
    assert any(len(n) == 10_000 for n in notes)


def test_hostile_attachments_download_by_id(dp_hostile: DpClient) -> None:
    jobs, _ = dp_hostile.export_all("jpm", "export/jobs")
    for job in jobs:
        listing = dp_hostile.list_all("forms", f"jobs/{job['id']}/attachments")
        bad = [a for a in listing if a["fileName"].startswith("{{")]
        if bad:
            resp = dp_hostile.get("forms", f"jobs/attachment/{bad[0]['id']}")
            assert resp.status_code == 200 and len(resp.content) == bad[0]["size"]
            assert "filename*=UTF-8''%7B%7B" in resp.headers["content-disposition"]
            return
    pytest.fail("no attachment named with template code")


def test_the_default_corpus_is_unchanged(dp: DpClient) -> None:
    customers, _ = dp.export_all("crm", "export/customers")
    assert not ALL & {c["name"] for c in customers}
    fields = dp.list_all("crm", "customers/custom-fields")
    assert not set(hostile.FIELD_NAMES) & {f["name"] for f in fields}


def test_counts_follow_the_corpus(dp_hostile: DpClient) -> None:
    served = dp_hostile.admin("GET", "/counts").json()
    assert served["customer_custom_field_types"] == counts(42, "tiny")["customer_custom_field_types"] + len(
        hostile.FIELD_NAMES
    )
    assert dp_hostile.session.get(dp_hostile.ep["base_url"] + "/health").json()["corpus"] == "hostile"
