"""Every report a client gets, in headless Chromium at a laptop's width with the network off: its sections,
every plot decoded, nothing fetched from the internet, no horizontal overflow.

The reports come from the real stages on the shared tiny-tier build: gates (GX data docs, made offline),
pre-scan, reconciliation and rollback of a load, the run index, the rebuild reference.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.run.browser import CHROMIUM, inspect, remote_tags

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None, reason="no chromium: `make browser-check` installs Debian's chromium"
    ),
]


@pytest.fixture(scope="module")
def reports(built, tmp_path_factory) -> dict[str, Path]:
    """Each report's HTML, rendered once through the stages (the org reset, the build copied)."""
    from expectations.validate import StaleSuitesError, run_validate
    from loaders.load import run_load
    from loaders.reconcile import run_reconcile
    from loaders.rollback import run_rollback
    from mapping.rebuild_reference import run_export_playbooks
    from reporting.index import write_index
    from reporting.offline_docs import make_offline
    from reporting.prescan import run_prescan
    from reporting.render import render_reconciliation, render_rollback
    from tests.loader.helpers import fresh_workspace

    base = tmp_path_factory.mktemp("browser")
    ws = fresh_workspace(built, base).model_copy(
        update={"gx_project_dir": base / "gx", "build_dir": base / "build"}
    )
    try:
        gates = run_validate(ws)
    except StaleSuitesError:
        gates = run_validate(ws, refresh=True)
    docs = Path(gates.data_docs)
    scan = run_prescan(ws)
    load = run_load(ws)
    run_reconcile(ws, run_id=load.run_id)
    undo = run_rollback(ws, load.run_id, hard=True)
    return {
        "data docs index": make_offline(docs if docs.is_dir() else docs.parent),
        "data docs result": sorted(
            (docs if docs.is_dir() else docs.parent).glob("validations/Case/**/*.html")
        )[-1],
        "pre-scan": scan.html,
        "reconciliation": render_reconciliation(ws, load.run_id),
        "rollback": render_rollback(ws, undo.run_id),
        "run index": write_index(ws, load.run_id, related=[scan.run_id, gates.run_id]),
        "rebuild reference": run_export_playbooks(ws).out_dir / "index.html",
    }


# report -> (sections at least, plots at least)
EXPECTED = {
    "data docs index": (1, 0),
    "data docs result": (1, 0),
    "pre-scan": (6, 1),
    "reconciliation": (6, 2),
    "rollback": (3, 0),
    "run index": (3, 0),
    "rebuild reference": (2, 0),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_report_fits_a_laptop_and_works_offline(reports, name: str, tmp_path: Path) -> None:
    page = reports[name]
    assert remote_tags(page.read_text(encoding="utf-8")) == [], name
    seen = inspect(page, tmp_path)
    sections, plots = EXPECTED[name]
    assert seen["sections"] >= sections, seen
    assert seen["images"] >= plots and seen["decoded"] == seen["images"], seen
    assert seen["remote"] == 0, seen
    assert seen["overflow"] == 0, f"{name} is {seen['overflow']}px wider than a laptop screen"
