"""Reconciliation and rollback reports, the run index: the display logic, then the notebooks rendered by
papermill + nbconvert on a small ledger (every section present, plots inline, CSVs beside, masking)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from core.pii import mask_value
from reporting import reconciliation as rr
from reporting import rollback as rbk
from reporting.index import report_files, write_index
from reporting.render import render_reconciliation, render_rollback
from tests.review import reports_fixture as fx

# one worker runs this file (make test: --dist loadgroup): its module fixture is built once
pytestmark = pytest.mark.xdist_group("reports")

REC_SECTIONS = (
    "The equation per object", "Org counts", "Missing and unexpected ids", "Sample read back",
    "Sampled fields that differ", "Orphans", "Line-item totals per Case", "File checksums",
    "Records not loaded, by reason",
)  # fmt: skip
RB_SECTIONS = ("Per object: what the run wrote", "Reported, not overwritten", "Could not be undone")


@pytest.fixture(scope="module")
def ledger_run(tmp_path_factory):
    return fx.build(tmp_path_factory.mktemp("reports"))


def test_equation_and_problems_from_the_reconcile_json(ledger_run) -> None:
    settings, run, _ = ledger_run
    result = rr.load_result(settings.reports_dir / run)
    eq = rr.equation(result).set_index("object")
    assert eq.loc["Contact", "failed"] == 1 and eq.loc["Contact", "sum_of_parts"] == 3
    assert bool(eq.loc["Case", "holds"]) and eq.loc["Case", "skipped"] == 1
    missing = rr.missing_ids(result)
    assert missing.to_dict("records") == [
        {"object": "Case", "source_key": "job:2", "problem": "loaded, missing in the org"}
    ]
    assert rr.field_mismatches(result)["field"].tolist() == ["Email", "Phone"]
    assert rr.orphans(result).to_dict("records") == [{"object": "Case", "lookup": "AccountId", "orphans": 1}]
    assert rr.total_mismatches(result)["case"].tolist() == ["job:1"]
    org = rr.org_counts(result).set_index("object")
    assert org.loc["Case", "missing_in_org"] == 1 and not org.loc["Case", "ok"]


def test_not_loaded_reasons_come_from_the_ledger(ledger_run) -> None:
    settings, run, _ = ledger_run
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        reasons = rr.outcome_reasons(con, run)
    finally:
        con.close()
    got = {(r.object, r.action, r.code): r.records for r in reasons.itertuples()}
    assert got == {("Case", "skipped", "QUARANTINED"): 1, ("Contact", "failed", "DUPLICATES_DETECTED"): 1}


def test_rollback_per_object_counts_what_the_run_wrote_and_what_was_undone(ledger_run) -> None:
    settings, run, rollback = ledger_run
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        frame = rbk.per_object(con, rollback, run).set_index("object")
        failures = rbk.failures(con, rollback)
    finally:
        con.close()
    assert frame.loc["Account"].to_dict() == {
        "created_by_run": 3, "updated_by_run": 0, "deleted": 3, "restored": 0, "left_alone": 0, "failed": 0,
        "of_which_cascade": 0, "not_settled": 0,
    }  # fmt: skip
    assert frame.loc["Contact", "left_alone"] == 1 and frame.loc["Contact", "of_which_cascade"] == 1
    assert frame.loc["Case", "failed"] == 1 and frame.loc["Case", "deleted"] == 1
    assert failures["code"].tolist() == ["DELETE_FAILED"]
    ok, text = rbk.verdict_text(frame.reset_index(), "completed")
    assert not ok and "5 of 7 records" in text and "1 left alone" in text and "1 failed" in text
    left = rbk.left_alone(rbk.load_result(settings.reports_dir / rollback))
    assert left["source_key"].tolist() == ["contact:2"]


@pytest.fixture(scope="module")
def rendered(ledger_run):
    settings, run, rollback = ledger_run
    return settings, render_reconciliation(settings, run), render_rollback(settings, rollback)


def _images(html: str) -> int:
    return len(re.findall(r'<img[^>]+src="data:image/png;base64,', html))


def test_reconciliation_html_has_every_section_plots_and_csvs(rendered) -> None:
    settings, rec_html, _ = rendered
    html = rec_html.read_text()
    for title in REC_SECTIONS:
        assert title in html, title
    assert "Does NOT reconcile" in html
    assert _images(html) >= 2  # the equation's stacked bars and the org counts
    assert '<script src="http' not in html and "cdn." not in html  # renders offline
    assert "def " not in html and "import " not in html  # the code is hidden
    csv_dir = rec_html.parent / "reconciliation"
    assert (csv_dir / "missing_ids.csv").read_text().splitlines()[
        1
    ] == 'Case,job:2,"loaded, missing in the org"'
    assert fx.CUSTOMER_EMAIL in (csv_dir / "field_mismatches.csv").read_text()  # unmasked by default


def test_rollback_html_has_every_section_and_the_left_alone_record(rendered) -> None:
    _, _, rb_html = rendered
    html = rb_html.read_text()
    for title in RB_SECTIONS:
        assert title in html, title
    assert "Not fully rolled back" in html and "contact:2" in html and "DELETE_FAILED" in html
    assert _images(html) >= 1


def test_index_links_the_reports_with_the_runs_metadata(rendered) -> None:
    settings, rec_html, rb_html = rendered
    index = (rec_html.parent / "index.html").read_text()
    assert 'href="reconciliation.html"' in index
    assert fx.MAPPING_HASH in index and fx.APPROVER in index and "sample-1" in index
    assert f'href="../{rb_html.parent.name}/index.html"' in index  # its rollback, a later run on this one
    # created: 3 Accounts + 2 Contacts + 2 Cases, then 1 failed, 1 skipped
    assert re.search(r'<th>all</th><th class="n">7</th><th class="n">1</th><th class="n">1</th>', index)
    rb_index = (rb_html.parent / "index.html").read_text()
    assert 'href="rollback.html"' in rb_index and "undoes run" in rb_index
    assert [p.name for p in report_files(rec_html.parent)] == ["reconciliation.html"]


def test_index_of_a_folder_that_is_no_ledger_run(ledger_run) -> None:
    settings, _, _ = ledger_run
    folder = settings.reports_dir / "20261129T000000Z-prescan"
    folder.mkdir()
    (folder / "prescan.html").write_text("<html></html>")
    page = write_index(settings, folder.name).read_text()
    assert "Not a ledger run" in page and 'href="prescan.html"' in page


def test_mask_pii_reports_hold_no_raw_email_phone_or_approver(ledger_run, tmp_path: Path) -> None:
    settings, run, rollback = ledger_run
    render_reconciliation(settings, run, mask_pii=True)
    render_rollback(settings, rollback, mask_pii=True)
    raw = [fx.CUSTOMER_EMAIL, fx.CUSTOMER_PHONE, "ann@other.example", "(275) 613-0000", fx.APPROVER]
    for path in (settings.reports_dir / run).rglob("*"):
        if path.suffix in (".html", ".ipynb", ".csv"):
            text = path.read_text()
            for value in raw:
                assert value not in text, (value, path.name)
    html = (settings.reports_dir / run / "reconciliation.html").read_text()
    assert mask_value(fx.CUSTOMER_EMAIL, "email") in html and mask_value(fx.CUSTOMER_PHONE, "phone") in html
    params = json.loads((settings.reports_dir / run / "reconciliation.ipynb").read_text())["cells"]
    assert any("mask_pii = True" in "".join(c["source"]) for c in params)
