"""Render the reconciliation and rollback reports beside their JSON, then refresh the run's index.

``dp2sf reconcile`` and ``dp2sf rollback`` call these after they wrote ``reconciliation.json`` /
``rollback.json`` into ``reports/<run>/``; papermill executes the template, nbconvert renders the HTML (code
hidden, plots inline, offline), and ``reports/<run>/index.html`` is rewritten to link it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.errors import Dp2sfError
from core.settings import Settings
from reporting.index import write_index
from reporting.notebook import NotebookError, render_notebook


class ReportRenderError(Dp2sfError):
    """A report could not be rendered (the message names the notebook cell and the error)."""


def _render(settings: Settings, template: str, run_id: str, mask_pii: bool) -> Path:
    run_dir = Path(settings.reports_dir) / run_id
    params = {
        "run_id": run_id,
        "data_dir": str(settings.data_dir),
        "reports_dir": str(settings.reports_dir),
        "mask_pii": bool(mask_pii),
    }
    try:
        html = render_notebook(template, run_dir, params)
    except NotebookError as exc:
        raise ReportRenderError(str(exc)) from None
    write_index(settings, run_id, mask_pii=mask_pii)
    return html


def render_reconciliation(settings: Settings, run_id: str, mask_pii: bool = False) -> Path:
    """``reports/<run>/reconciliation.html`` from its ``reconciliation.json`` and the ledger."""
    return _render(settings, "reconciliation.ipynb", run_id, mask_pii)


def render_rollback(settings: Settings, run_id: str, mask_pii: bool = False) -> Path:
    """``reports/<rollback run>/rollback.html`` from its ``rollback.json`` and the ledger; the undone run's
    index is refreshed too, so it links its rollback."""
    html = _render(settings, "rollback.ipynb", run_id, mask_pii)
    meta_parent = _parent_of(settings, run_id)
    if meta_parent and (Path(settings.reports_dir) / meta_parent).is_dir():
        write_index(settings, meta_parent, mask_pii=mask_pii)
    return html


def _parent_of(settings: Settings, run_id: str) -> str | None:
    import json

    path = Path(settings.reports_dir) / run_id / "rollback.json"
    return json.loads(path.read_text(encoding="utf-8")).get("target_run") if path.is_file() else None


def demo_reports(settings: Settings, console, related: Sequence[str] = ()) -> Path:
    """The demo's last stage: the reconciliation report of the latest load run, its index (linking
    ``related`` report folders, e.g. the pre-scan's) and the rebuild reference. Returns the index."""
    import duckdb

    from loaders.reconcile import latest_load_run

    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        run_id = latest_load_run(con)
    finally:
        con.close()
    if run_id is None:
        raise ReportRenderError("no load run in the ledger: nothing to report")
    console.print(f"reconciliation report: {render_reconciliation(settings, run_id)}")
    index = write_index(settings, run_id, related=related)
    console.print(f"run index: {index}")
    from mapping.rebuild_reference import run_export_playbooks

    rebuild = run_export_playbooks(settings)
    console.print(
        f"rebuild reference: {rebuild.playbooks} playbooks → Flow, {rebuild.widgets} dashboard widgets → "
        f"reports: {rebuild.out_dir / 'index.html'}"
    )
    return index
