"""The mapping reviews as HTML: the proposals (``mapping_review.html``) and the map diff (``map_diff.html``).

The mapping stage writes the data (``build/mapping_proposals.csv``, ``reports/<run>/map_diff/*.csv``); these
render it through the notebooks, so a stage never calls the renderer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from core.ids import new_run_id
from core.settings import Settings
from mapping.map_diff import MapDiffResult
from mapping.propose import LOW_CONFIDENCE, ProposeResult
from reporting.notebook import render_notebook


def render_mapping_review(
    settings: Settings, result: ProposeResult, run_id: str | None = None, mask_pii: bool = False
) -> Path:
    """``reports/<run>/mapping_review.html`` from the proposals; sets and returns ``result.html``."""
    run_id = run_id or new_run_id("mapping-review")
    result.html = render_notebook(
        "mapping_review.ipynb",
        settings.reports_dir / run_id,
        {
            "proposals_csv": str(result.proposals_path),
            "threshold": LOW_CONFIDENCE,
            "run_id": run_id,
            "mask_pii": mask_pii,
        },
    )
    return result.html


def render_map_diff(result: MapDiffResult) -> Path:
    """``reports/<run>/map_diff.html`` from the diff's CSVs; sets and returns ``result.html``."""
    result.html = render_notebook(
        "map_diff.ipynb",
        result.out_dir,
        {"diff_dir": str(result.out_dir / "map_diff"), "base": result.base, "run_id": result.run_id},
    )
    shutil.rmtree(result.out_dir / ".ipynb_checkpoints", ignore_errors=True)
    return result.html
