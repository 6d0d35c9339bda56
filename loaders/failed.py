"""Failed rows of a run as CSV per object, for whoever fixes the data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.quoting import write_csv
from loaders.ledger import Ledger
from loaders.plan import EXTERNAL_ID


def write_failed_csvs(ledger: Ledger, run_id: str, reports_dir: Path) -> Path | None:
    """reports/<run>/failed/<Object>.csv: every failed row of the run with Salesforce's error."""
    failed = ledger.failed_rows(run_id)
    if not failed:
        return None
    out = Path(reports_dir) / run_id / "failed"
    out.mkdir(parents=True, exist_ok=True)
    for obj, rows in failed.items():  # read by a person, never uploaded: the reviewer CSV writer
        write_csv(
            pd.DataFrame(rows, columns=[EXTERNAL_ID, "pass", "error_code", "error_message"]),
            out / f"{obj}.csv",
        )
    return out
