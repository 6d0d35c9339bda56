"""The extract's report (``data/extract_report.json``): written by the extract, read by later stages."""

from __future__ import annotations

import json
from typing import Any

from core.settings import Settings

EXTRACT_REPORT_FILE = "extract_report.json"


def read_extract_report(settings: Settings) -> dict[str, Any] | None:
    """The last extract's report, or None if no extract has written one (or it is unreadable)."""
    path = settings.data_dir / EXTRACT_REPORT_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None
