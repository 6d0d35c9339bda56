"""A small ledger and the JSON ``dp2sf reconcile`` / ``dp2sf rollback`` write, built through the real
Ledger class, so the report notebooks render in seconds without a sandbox (the end-to-end test covers the
real run)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from core.settings import Settings, get_settings
from loaders.ledger import Ledger, Operation

MAPPING_HASH = "5f1e0c9a" * 8
CUSTOMER_EMAIL = "ann.baker@customer.example"
CUSTOMER_PHONE = "(275) 613-7236"
APPROVER = "dana.reviewer@corp.example"


def _obj(name: str, source: int, loaded: int, **extra) -> dict:
    base = {
        "name": name, "source": source, "loaded": loaded, "quarantined": 0, "gates": 0, "skipped": 0,
        "failed": 0, "unaccounted": [], "in_org": loaded, "missing_in_org": [], "unexpected_in_org": [],
        "id_mismatch": [], "sampled": min(loaded, 20), "field_mismatches": [], "orphans": {},
        "total_mismatches": [], "checksum_mismatches": [], "ok": True, "problems": [],
    }  # fmt: skip
    base.update(extra)
    return base


def build(base: Path) -> tuple[Settings, str, str]:
    """(settings, load run id, rollback run id) under ``base``."""
    settings = get_settings(data_dir=base / "data", reports_dir=base / "reports", build_dir=base / "build")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(settings.duckdb_path))
    ledger = Ledger(con)
    run = ledger.start_run("full", "sandbox", MAPPING_HASH)
    ops = [Operation("Account", f"customer:{i}", "created", f"001A{i:014d}") for i in range(1, 4)]
    ops += [Operation("Contact", f"contact:{i}", "created", f"003A{i:014d}") for i in range(1, 3)]
    ops += [
        Operation("Contact", "contact:3", "failed", None, error_code="DUPLICATES_DETECTED",
                  error_message=f"duplicate of {CUSTOMER_EMAIL}"),
        Operation("Case", "job:1", "created", "500A00000000000001"),
        Operation("Case", "job:2", "created", "500A00000000000002"),
        Operation("Case", "job:3", "skipped", None, error_code="QUARANTINED",
                  error_message="status unmapped"),
    ]  # fmt: skip
    ledger.record(run, ops)
    ledger.finish_run(run, "completed")
    con.execute(
        "create table if not exists ledger.approvals (approved_at timestamp, approved_by varchar, "
        "mapping_hash varchar, sample_run_id varchar, accepted_findings_reason varchar)"
    )
    con.execute(
        "insert into ledger.approvals values (now(), ?, ?, 'sample-1', null)", [APPROVER, MAPPING_HASH]
    )
    rollback = ledger.start_run("rollback", "sandbox", None, parent=run)
    undo = [Operation("Account", f"customer:{i}", "deleted", f"001A{i:014d}") for i in range(1, 4)]
    undo += [
        Operation("Contact", "contact:1", "deleted", "003A00000000000001", error_code="ENTITY_IS_DELETED",
                  error_message="already deleted (cascade): entity is deleted"),
        Operation("Contact", "contact:2", "skipped", "003A00000000000002", error_code="CHANGED_IN_ORG",
                  error_message="modified in the org after the run; left alone (use --force)"),
        Operation("Case", "job:1", "deleted", "500A00000000000001"),
        Operation("Case", "job:2", "failed", "500A00000000000002", error_code="DELETE_FAILED",
                  error_message="your attempt to delete this case could not be completed"),
    ]  # fmt: skip
    ledger.record(rollback, undo)
    ledger.finish_run(rollback, "completed")
    con.close()

    rec = {
        "run_id": run,
        "ok": False,
        "objects": [
            _obj("Account", 3, 3),
            _obj("Contact", 3, 2, failed=1, field_mismatches=[
                {"key": "contact:1", "field": "Email", "source": CUSTOMER_EMAIL, "org": "ann@other.example"},
                {"key": "contact:1", "field": "Phone", "source": CUSTOMER_PHONE, "org": "(275) 613-0000"},
            ], ok=False),
            _obj("Case", 3, 2, skipped=1, in_org=1, missing_in_org=["job:2"], orphans={"AccountId": 1},
                 total_mismatches=[{"case": "job:1", "source": "120.50", "org": "120.00"}], ok=False),
        ],
    }  # fmt: skip
    (settings.reports_dir / run).mkdir(parents=True)
    (settings.reports_dir / run / "reconciliation.json").write_text(json.dumps(rec))
    rb = {
        "run_id": rollback, "target_run": run, "status": "completed",
        "counts": {"Account": {"deleted": 3}, "Contact": {"deleted": 1, "skipped": 1},
                   "Case": {"deleted": 1, "failed": 1}},
        "conflicts": [{"object": "Contact", "source_key": "contact:2", "sf_id": "003A00000000000002",
                       "last_modified": "2026-11-29T10:00:00.000+0000", "by": "005A00000000000001"}],
    }  # fmt: skip
    (settings.reports_dir / rollback).mkdir(parents=True)
    (settings.reports_dir / rollback / "rollback.json").write_text(json.dumps(rb))
    return settings, run, rollback
