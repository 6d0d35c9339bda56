"""Failed rows of a run as CSV per object, for whoever fixes the data."""

from __future__ import annotations

import csv
from pathlib import Path

from loaders.ledger import Ledger
from loaders.plan import EXTERNAL_ID


def write_failed_csvs(ledger: Ledger, run_id: str, reports_dir: Path) -> Path | None:
    """reports/<run>/failed/<Object>.csv: every failed row of the run with Salesforce's error."""
    failed = ledger.failed_rows(run_id)
    if not failed:
        return None
    out = Path(reports_dir) / run_id / "failed"
    out.mkdir(parents=True, exist_ok=True)
    for obj, rows in failed.items():
        with open(out / f"{obj}.csv", "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([EXTERNAL_ID, "pass", "error_code", "error_message"])
            w.writerows(rows)
    return out
