"""``dp2sf prescan``: papermill runs ``notebooks/prescan.ipynb``; nbconvert renders it with the code hidden.

The notebook is a parameters cell plus calls into ``expectations.prescan`` (the logic) and the display helpers
here; plots are matplotlib PNGs embedded in the HTML (no scripts from a CDN, it renders offline).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from core.errors import Dp2sfError
from core.ids import new_run_id
from core.quoting import html_table
from core.settings import PROJECT_DIR, Settings
from reporting.notebook import NotebookError, render_notebook
from reporting.notebook import bar as bar  # the notebook calls report.bar

TEMPLATE = PROJECT_DIR / "notebooks" / "prescan.ipynb"
TITLES = {
    "owners": "Technician email → Salesforce User",
    "oversize_files": "Files over the size limit",
    "duplicates": "Duplicate customers (exact and fuzzy)",
    "incomplete_addresses": "Incomplete addresses",
    "missing_required": "Missing required values",
    "held_back": "Values the quarantine and the org's gates hold back",
    "flagged_values": "Values loaded without: flagged, blocking until a person decides (map it, declare it)",
    "placeholder_children": "Placeholder Account children per bucket (data skew)",
    "limits": "Storage, Bulk API and API requests against the org's /limits",
    "automation": "The org's automation on the objects we write: what fires, what it could do, the bypass",
    "duplicate_rule_conflicts": "Duplicate customers that meet an active duplicate rule",
}


class PrescanError(Dp2sfError):
    """The pre-scan could not run or render (the message says which step and why)."""


@dataclass
class PrescanResult:
    run_id: str
    html: Path
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    csvs: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def show(scan, name: str) -> None:
    """A section as a heading, a line of counts and its table (or 'none found')."""
    from IPython.display import HTML, Markdown, display

    frame: pd.DataFrame = scan.tables[name]
    display(Markdown(f"## {TITLES[name]}\n{len(frame):,} rows · CSV: `prescan/{name}.csv`"))  # no data
    if frame.empty:
        display(Markdown("_none found_"))
    else:
        display(HTML(html_table(frame, 200)))


def mask(scan) -> None:
    """``--mask-pii``: every table and note of the scan with names, emails, phones and streets hashed; a name
    one table holds is also masked inside the free text of the others."""
    from core.pii import frame_names, mask_frame, mask_text, names_pattern

    names = [n for frame in scan.tables.values() for n in frame_names(frame, None)]
    scan.tables = {name: mask_frame(frame, names) for name, frame in scan.tables.items()}
    scan.notes = [mask_text(note, names_pattern(names)) for note in scan.notes]


def summary(scan) -> dict:
    return {"counts": {k: len(v) for k, v in scan.tables.items()}, "notes": scan.notes}


def run_prescan(settings: Settings, run_id: str | None = None, mask_pii: bool = False) -> PrescanResult:
    """Execute the template with papermill into ``reports/<run>/``, render HTML with the code hidden;
    ``mask_pii`` hashes names, emails and phone numbers in the HTML and the CSVs (``core/pii.py``)."""

    started = time.perf_counter()
    run_id = run_id or new_run_id("prescan")
    if not settings.duckdb_path.is_file():
        raise PrescanError(f"no DuckDB at {settings.duckdb_path}: run extract and transform first")
    run_dir = settings.reports_dir / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    params = {
        "sandbox_dir": str(settings.sandbox_dir),
        "data_dir": str(settings.data_dir),
        "build_dir": str(settings.build_dir),
        "reports_dir": str(settings.reports_dir),
        "target": settings.target,
        "out_dir": str(run_dir),
        "mask_pii": bool(mask_pii),
    }
    try:
        html = render_notebook(TEMPLATE, run_dir, params)
    except NotebookError as exc:
        raise PrescanError(str(exc)) from None
    info = json.loads((run_dir / "prescan" / "summary.json").read_text())
    csvs = {name: run_dir / "prescan" / f"{name}.csv" for name in info["counts"]}
    return PrescanResult(run_id, html, time.perf_counter() - started, info["counts"], csvs, info["notes"])
