"""Every report escapes every value (issue 18, finding 2): each report is rendered from hostile data and
read the way a browser reads it (html5lib); no element or attribute that came from the data is live, and
no CSV beside a report starts a cell with a formula character (finding 4)."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from IPython.utils.capture import capture_output

from expectations.prescan import Prescan
from loaders.ledger import Ledger, record_sample_run, write_sample_findings
from mapping.map_diff import CSV_NAMES
from mapping.propose import COLUMNS
from reporting.index import write_index
from reporting.notebook import render_notebook
from reporting.prescan import TITLES, show
from reporting.render import render_reconciliation, render_rollback
from tests.hostile import corpus
from tests.hostile.html_check import live_elements
from tests.review import reports_fixture as fx

BAD = (corpus.IMG, corpus.SCRIPT, corpus.ATTR, corpus.FORMULA, corpus.RICH, corpus.MARKDOWN, corpus.JINJA)


def _bad(i: int) -> str:
    return BAD[i % len(BAD)]


def _frame(columns, rows: int = 7, numeric=()) -> pd.DataFrame:
    return pd.DataFrame(
        {c: [i if c in numeric else _bad(i + j) for i in range(rows)] for j, c in enumerate(columns)}
    )


def _formula_cells(folder: Path) -> list[str]:
    bad = []
    for path in folder.rglob("*.csv"):
        for row in csv.reader(path.open(encoding="utf-8", newline="")):
            bad += [f"{path.name}: {c[:40]}" for c in row if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    return bad


def _check(html_path: Path) -> None:
    html = html_path.read_text(encoding="utf-8")
    assert live_elements(html) == [], html_path.name
    assert corpus.IMG not in html and corpus.SCRIPT not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "&lt;img" in html  # shown as text


def test_map_diff_report(tmp_path) -> None:
    diff_dir = tmp_path / "map_diff"
    diff_dir.mkdir()
    frames = {
        "summary": _frame(["object", "base_rows", "head_rows", "added", "removed", "changed"],
                          numeric=("base_rows", "head_rows", "added", "removed", "changed")),
        "fields": _frame(["object", "field", "changed", "note"], numeric=("changed",)),
        "changes": _frame(["object", "key", "field", "base_value", "head_value"]),
        "records": _frame(["object", "key", "side"]),
        "quarantine": _frame(["object_name", "source_key", "rule", "side"]),
        "flagged": _frame(["object_name", "source_key", "value", "side"]),
    }  # fmt: skip
    from core.quoting import write_csv

    for name in CSV_NAMES:
        write_csv(frames[name], diff_dir / f"{name}.csv")
    assert _formula_cells(diff_dir) == []
    html = render_notebook(
        "map_diff.ipynb", tmp_path, {"diff_dir": str(diff_dir), "base": "main", "run_id": "x"}
    )
    _check(html)


def test_mapping_review_report(tmp_path) -> None:
    frame = _frame(COLUMNS, numeric=("records",))
    frame["confidence"] = 0.42
    frame["decision"] = ["proposed", "unmapped", "mapped", "not_migrated", "proposed", "mapped", "unmapped"]
    frame["kind"] = ["custom_property", "source_field", "target_field", "source_field", "value",
                     "source_field", "target_field"]  # fmt: skip
    proposals = tmp_path / "mapping_proposals.csv"
    from core.quoting import write_csv

    write_csv(frame, proposals)
    params = {"proposals_csv": str(proposals), "threshold": 0.6, "run_id": "x", "mask_pii": False}
    _check(render_notebook("mapping_review.ipynb", tmp_path, params))


def test_sample_diff_report(tmp_path) -> None:
    db = tmp_path / "main.duckdb"
    findings = _frame(["object", "field", "external_id", "source_value", "intended_value", "org_value"], 14)
    findings["finding"] = ["mismatch", "truncated"] * 7
    findings["blocking"] = [True, False] * 7
    findings["run_id"] = "sample-x"
    with duckdb.connect(str(db)) as con:
        Ledger(con)
        record_sample_run(con, "sample-x", "sandbox", "h" * 64, datetime.now(UTC).replace(tzinfo=None),
                          "completed", corpus.IMG)  # fmt: skip
        write_sample_findings(con, "sample-x", findings)
    params = {
        "duckdb_path": str(db),
        "run_id": "sample-x",
        "csv_dir": str(tmp_path / "sd"),
        "mask_pii": False,
    }
    _check(render_notebook("sample_diff.ipynb", tmp_path, params))


def test_prescan_sections(tmp_path) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()  # display() publishes rich outputs, as in the notebook kernel
    scan = Prescan(tables={name: _frame(["object_name", "source_key", "street", "note"]) for name in TITLES})
    with capture_output() as shown:
        for name in TITLES:
            show(scan, name)
    html = "".join(o.data.get("text/html", "") for o in shown.outputs)
    assert html and live_elements(html) == [] and corpus.IMG not in html
    scan.write_csvs(tmp_path / "prescan")
    assert _formula_cells(tmp_path / "prescan") == []


@pytest.fixture()
def hostile_ledger(tmp_path):
    settings, run, rollback = fx.build(tmp_path)
    rec_path = settings.reports_dir / run / "reconciliation.json"
    rec = json.loads(rec_path.read_text())
    for obj in rec["objects"]:
        obj["field_mismatches"] = [
            {"key": corpus.IMG, "field": corpus.SCRIPT, "source": corpus.FORMULA, "org": corpus.ATTR}
        ]
        obj["problems"] = [corpus.IMG, corpus.RICH]
        obj["missing_in_org"] = [corpus.SCRIPT]
    rec_path.write_text(json.dumps(rec))
    rb_path = settings.reports_dir / rollback / "rollback.json"
    rb = json.loads(rb_path.read_text())
    rb["conflicts"][0].update({"source_key": corpus.IMG, "by": corpus.SCRIPT})
    rb_path.write_text(json.dumps(rb))
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("update ledger.approvals set approved_by = ?, accepted_findings_reason = ?",
                    [corpus.IMG, corpus.SCRIPT])  # fmt: skip
        con.execute("update ledger.operations set error_message = ?", [corpus.IMG])
    return settings, run, rollback


def test_reconciliation_rollback_and_index_reports(hostile_ledger) -> None:
    settings, run, rollback = hostile_ledger
    rec = render_reconciliation(settings, run)
    rb = render_rollback(settings, rollback)
    for path in (rec, rb, write_index(settings, run), write_index(settings, rollback)):
        html = path.read_text(encoding="utf-8")
        assert live_elements(html) == [], path
    assert _formula_cells(settings.reports_dir) == []
