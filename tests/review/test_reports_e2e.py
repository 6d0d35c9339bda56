"""The review reports on a real run (tiny tier, both sandboxes over HTTPS): `dp2sf prescan`, `dp2sf reconcile`
and `dp2sf rollback` with `--mask-pii` render their HTML beside the JSON, and no email address or phone number
of the source (every one in raw_dispatch_pro, found by pattern) appears in any HTML, notebook or CSV of the
run folders; the same scan finds them in an unmasked report, so it can fail.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from core.pii import EMAIL_RE, PHONE_RE, mask_value
from core.settings import get_settings
from sandbox import control
from tests.conftest import start_tiny_copy
from workbench.cli import app

# one worker runs this file (make test: --dist loadgroup): its module fixture (a load) is built once
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("reports_e2e")]
REPORT_FILES = (".html", ".ipynb", ".csv")


@pytest.fixture(scope="module")
def run(tiny_build, tmp_path_factory):
    """sandbox up → extract → inventory → schema deploy → transform (a copy of the run's tiny build, on this
    module's own simulator and org) → load, then an org-side edit of a Contact's email and phone (the
    reconciliation samples it; the rollback leaves it alone)."""
    from core.connection import connect
    from core.org_api import OrgClient
    from loaders.load import run_load

    base = tmp_path_factory.mktemp("review_e2e")
    dirs = {name: base / name for name in ("sandbox", "data", "build", "reports")}
    env = {f"DP2SF_{k.upper()}_DIR": str(v) for k, v in dirs.items()}
    settings = start_tiny_copy(tiny_build, base, load_chunk_rows=get_settings().load_chunk_rows)
    try:
        load = run_load(settings)
        assert load.status == "completed"
        org = OrgClient(connect("sandbox", settings.endpoints_file), settings.load_stop_share)
        contact = next(
            org.query_iter(
                "SELECT Id, Email, Phone, Dispatch_Pro_Id__c FROM Contact "
                "WHERE Email != null AND Phone != null ORDER BY Dispatch_Pro_Id__c LIMIT 1"
            )
        )
        time.sleep(1.1)  # LastModifiedDate has second precision: the edit is after the run's end
        planted = {"Email": "changed.in.org@elsewhere.example", "Phone": "(555) 010-9999"}
        org.sf.Contact.update(contact["Id"], planted)
        yield settings, env, load.run_id, contact, planted
    finally:
        control.down(settings.sandbox_dir)


def _source_pii(settings) -> tuple[set[str], set[str]]:
    """Every email address and phone number in any text column of raw_dispatch_pro."""
    emails, phones = set(), set()
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        cols = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw_dispatch_pro' and data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in cols:
            for (value,) in con.execute(
                f'select distinct "{column}" from raw_dispatch_pro."{table}" where "{column}" is not null'
            ).fetchall():
                emails.update(m.lower() for m in EMAIL_RE.findall(value))
                phones.update(m.group(0) for m in PHONE_RE.finditer(value))
    finally:
        con.close()
    return emails, phones


def _leaks(folder: Path, emails: set[str], phones: set[str]) -> list[tuple[str, str]]:
    found = []
    for path in folder.rglob("*"):
        if path.suffix not in REPORT_FILES or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        lower = text.lower()
        found += [(path.name, e) for e in emails if e in lower]
        found += [(path.name, p) for p in phones if p in text]
    return found


def test_masked_reports_render_and_leak_no_source_email_or_phone(run) -> None:
    settings, env, load_run, contact, planted = run
    runner = CliRunner()
    pre = runner.invoke(app, ["prescan", "--mask-pii", "--run", "prescan-masked"], env=env)
    assert pre.exit_code == 0, pre.output
    rec = runner.invoke(app, ["reconcile", "--run", load_run, "--sample", "1000", "--mask-pii"], env=env)
    assert rec.exit_code == 2, rec.output  # the org-side edit is a sampled field difference
    run_dir = settings.reports_dir / load_run
    assert {"reconciliation.json", "reconciliation.html", "reconciliation.ipynb", "index.html"} <= {
        p.name for p in run_dir.iterdir()
    }
    html = (run_dir / "reconciliation.html").read_text()
    assert "Sampled fields that differ" in html and contact["Dispatch_Pro_Id__c"] in html
    assert mask_value(planted["Email"], "email") in html and mask_value(contact["Email"], "email") in html
    rb = runner.invoke(app, ["rollback", load_run, "--mask-pii"], env=env)
    assert rb.exit_code == 5, rb.output  # finished, and left the Contact edited in the org alone (issue 19)
    rb_dir = next(p for p in settings.reports_dir.iterdir() if (p / "rollback.json").is_file())
    rb_html = (rb_dir / "rollback.html").read_text()
    assert "Reported, not overwritten" in rb_html and contact["Dispatch_Pro_Id__c"] in rb_html
    assert f'href="../{rb_dir.name}/index.html"' in (run_dir / "index.html").read_text()

    emails, phones = _source_pii(settings)
    assert len(emails) > 20 and len(phones) > 20  # the scan found the source's contact data
    emails.add(planted["Email"])
    phones.add(planted["Phone"])
    for folder in (settings.reports_dir / "prescan-masked", run_dir, rb_dir):
        assert _leaks(folder, emails, phones) == [], folder.name

    # the same scan catches an unmasked report (technician emails in the pre-scan's owners table)
    plain = runner.invoke(app, ["prescan", "--run", "prescan-plain"], env=env)
    assert plain.exit_code == 0, plain.output
    assert _leaks(settings.reports_dir / "prescan-plain", emails, phones)


def test_export_playbooks_resolves_fields_through_the_real_lineage(run) -> None:
    import json

    settings, env, *_ = run
    out = CliRunner().invoke(app, ["export", "playbooks"], env=env)
    assert out.exit_code == 0, out.output
    doc = json.loads((settings.build_dir / "rebuild" / "playbooks.json").read_text())
    assert "lineage" not in doc["missing"]
    conditions = {
        (c["source"]["field"], c["field"], c["resolved_by"])
        for p in doc["playbooks"]
        for c in p["conditions"]
    }
    assert ("priority", "Priority", "lineage") in conditions and (
        "jobStatus",
        "Status",
        "lineage",
    ) in conditions
    assert re.search(r"Record-Triggered Flow", (settings.build_dir / "rebuild" / "index.html").read_text())
