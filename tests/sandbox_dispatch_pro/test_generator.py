"""The generator: deterministic bytes across processes, different seeds differ, the dirty-data profile."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter

import pytest

from sandbox.dispatch_pro.entities import ENTITIES
from sandbox.dispatch_pro.generator import Dataset, counts, technicians

HASH_PAGES = """
import hashlib, sys, orjson
from sandbox.dispatch_pro.generator import Dataset
from sandbox.dispatch_pro.entities import ENTITIES
from sandbox.dispatch_pro.paging import export_page
ds = Dataset(int(sys.argv[1]), "tiny")
for key in ("customers", "jobs", "job_notes", "invoices", "technicians"):
    page = export_page(ds, ENTITIES[key], None, 500)
    body = orjson.dumps({"hasMore": page.has_more, "continueFrom": page.continue_from, "data": page.data})
    print(key, hashlib.sha256(body).hexdigest())
"""


def _hashes_in_subprocess(seed: int) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", HASH_PAGES, str(seed)], capture_output=True, text=True, check=True
    )
    return dict(line.split() for line in out.stdout.splitlines())


def test_same_seed_same_bytes_over_http_and_in_another_process(dp) -> None:
    expected = _hashes_in_subprocess(42)
    for key, digest in expected.items():
        ent = ENTITIES[key]
        served = dp.get(ent.module, ent.path)
        assert hashlib.sha256(served.content).hexdigest() == digest, key


def test_different_seed_different_data() -> None:
    a, b = _hashes_in_subprocess(42), _hashes_in_subprocess(43)
    assert all(a[k] != b[k] for k in a)
    assert technicians(42, "tiny") != technicians(43, "tiny")
    assert counts(42, "tiny") != counts(43, "tiny")


def test_counts_scale_up_in_realistic_ratios() -> None:
    tiny, small = counts(42, "tiny"), counts(42, "S")
    assert tiny["customers"] == 50 and tiny["jobs"] == 200
    assert small["jobs"] == 2000
    for c in (tiny, small):
        assert c["locations"] > c["customers"] and c["appointments"] > c["jobs"]
        assert c["invoice_items"] > c["invoices"] > 0 and c["job_history"] > 3 * c["jobs"]
        # signature images: job attachments (or only in the forms export, or nowhere: a file error)
        exported_only = c["files"] - c["job_attachments"]  # listed job attachments are files too
        assert 0 < exported_only < c["signature_files"]
        assert c["signatures"] == c["signature_files"] + c["signatures_refused"] + c["file_errors"]
        assert c["signatures_refused"] > 0 and c["file_errors"] > 0
    medium = counts(42, "M", nested=False)
    assert medium["jobs"] == 100_000 and medium["customers"] == 25_000
    assert "jobs__custom_fields" not in medium


def test_technicians_interface_and_messy_emails() -> None:
    techs = technicians(42, "S")
    assert techs and all(set(t) == {"id", "name", "firstName", "lastName", "email", "active"} for t in techs)
    emails = [t["email"] for t in techs if t["email"]]
    assert any(e != e.strip() for e in emails), "some emails with surrounding whitespace"
    assert any(e.strip() != e.strip().lower() for e in emails), "some emails in odd case"
    assert len({e.strip().lower() for e in emails}) == len(emails), "emails unique ignoring case/space"
    assert any(not t["active"] for t in techs)


@pytest.fixture(scope="module")
def tiny() -> dict[str, list[dict]]:
    ds = Dataset(42, "tiny")
    return {key: list(ent.iter_all(ds)) for key, ent in ENTITIES.items() if key != "job_attachments"}


def test_dirty_profile_jobs(tiny) -> None:
    statuses = Counter(j["jobStatus"] for j in tiny["jobs"])
    assert {"Scheduled", "Dispatched", "InProgress", "Hold", "Completed", "Canceled"} <= set(statuses)
    assert set(statuses) - {"Scheduled", "Dispatched", "InProgress", "Hold", "Completed", "Canceled"}, (
        "unmapped status"
    )
    assert len({j["priority"] for j in tiny["jobs"]}) == 8
    assert any("data:image/png;base64," in (j["summary"] or "") for j in tiny["jobs"])
    assert any(not j["active"] for j in tiny["jobs"])
    for job in tiny["jobs"]:
        assert (job["completedOn"] is not None) == (job["jobStatus"] == "Completed")


def test_dirty_profile_customers(tiny) -> None:
    customers = tiny["customers"]
    assert {c["type"] for c in customers} == {"Residential", "Commercial"}
    fingerprints = Counter((c["name"], c["address"]["street"], c["address"]["zip"]) for c in customers)
    assert any(n > 1 for n in fingerprints.values()), "duplicate customers"
    parts = ("street", "city", "zip", "state")
    assert any("" in [c["address"][p] for p in parts] for c in customers), "incomplete addresses"
    assert any(not c.isascii() for c in " ".join(c["name"] for c in customers + tiny["locations"]))
    per_customer = Counter(loc["customerId"] for loc in tiny["locations"])
    assert max(per_customer.values()) >= 3
    commercial = {c["id"] for c in customers if c["type"] == "Commercial"}
    memos = [m["memo"] for m in tiny["customer_contacts"] if m["customerId"] in commercial and m["memo"]]
    assert any(" - " in m or "(" in m or ": " in m for m in memos), "memos naming a person"


def test_dirty_profile_notes_fields_and_items(tiny) -> None:
    notes = [n["text"] for n in tiny["job_notes"]]
    assert any(len(t) > 32_768 for t in notes) and any('<img src="data:image/png;base64,' in t for t in notes)
    values = {(cf["name"], cf["value"]) for j in tiny["jobs"] for cf in j["customFields"]}
    kinds = {f["dataType"] for f in tiny["job_custom_field_types"] + tiny["customer_custom_field_types"]}
    assert kinds == {"Text", "Dropdown", "Numeric"}
    assert any(
        v in ("Yes", "no", "TRUE", "false", "Y", "0", "1") for n, v in values if n == "Permit Required"
    )
    assert any("/" in v or "-" in v for n, v in values if n == "Inspection Date")
    assert "Unspecified" in {i["type"] for i in tiny["invoice_items"]}
    assert sum(1 for inv in tiny["invoices"] if inv["balance"] != "0.00") > 0
