"""The sample migration end to end against the sandbox org over real HTTPS: planted findings come out of the
diff with the source, intended and org values; the run and its findings land in the main DuckDB; the report
renders.

Planted as a real org produces them: a value too long for its field (the org refuses it: ``STRING_TOO_LONG``),
a field an integration cut short after the load, a value edited in the org, a picklist value the admin
deleted from the field's definition after the load (records keep it), a lookup cleared in the org."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.loader.conftest import built  # noqa: F401 - the tiny-tier marts, built once per session
from tests.loader.helpers import Admin, fresh_workspace, org_client
from workbench import sample as S
from workbench.mapping_hash import mapping_hash
from workbench.settings import PROJECT_DIR, Settings, get_settings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _settings(built: Settings, tmp_path: Path) -> Settings:  # noqa: F811
    ws = fresh_workspace(built, tmp_path)
    build = tmp_path / "build"
    build.mkdir()
    shutil.copy(built.build_dir / "manifest.csv", build / "manifest.csv")
    gx = tmp_path / "gx_project"
    shutil.copytree(
        PROJECT_DIR / "expectations" / "gx", gx / "gx", ignore=shutil.ignore_patterns("uncommitted")
    )
    return get_settings(
        sandbox_dir=ws.sandbox_dir,
        data_dir=ws.data_dir,
        build_dir=build,
        reports_dir=ws.reports_dir,
        gx_project_dir=gx,
        load_chunk_rows=ws.load_chunk_rows,
    )


def _mart(run: S.SampleRun, sql: str, params=()) -> list[tuple]:
    with duckdb.connect(str(run.sample.duckdb_path)) as con:
        return con.execute(sql, list(params)).fetchall()


def _deploy_without_value(admin: Admin, obj: str, field: str, value: str) -> None:
    """The admin deletes a picklist value from the field's definition (records keep the value they hold)."""
    from workbench.manifest import render_metadata
    from workbench.mapping_fields import load_field_list

    path = f"objects/{obj}/fields/{field}.field-meta.xml"
    xml = render_metadata(load_field_list(), "custom")[path]
    block = re.compile(r"\s*<value>\s*<fullName>" + re.escape(value) + r"</fullName>.*?</value>", re.S)
    smaller = block.sub("", xml, count=1)
    assert smaller != xml
    result = admin._call("POST", "/metadata/deploy", {"files": {path: smaller}})
    assert result.get("success"), result


@pytest.mark.slow
def test_planted_findings_appear_with_all_three_values(built: Settings, tmp_path: Path) -> None:  # noqa: F811
    settings = _settings(built, tmp_path)
    admin = Admin.of(settings.sandbox_dir)
    run = S.select_sample(settings, size=30, seed=7)
    S.build_sample(run, refresh_gates=True)

    # 1. a value the org cannot hold: Subject is 255 characters; the org refuses the record (STRING_TOO_LONG)
    (too_long_key,) = _mart(run, 'select min("Dispatch_Pro_Id__c") from salesforce."Case"')[0]
    too_long = "Überlang " * 40
    _mart(
        run,
        'update salesforce."Case" set "Subject" = ? where "Dispatch_Pro_Id__c" = ?',
        [too_long, too_long_key],
    )

    S.load_sample(run)
    assert run.load.status == "completed"
    org = org_client(run.sample)
    cases = {
        r["Dispatch_Pro_Id__c"]: r
        for r in org.query_iter("SELECT Id, Dispatch_Pro_Id__c, Subject, Description FROM Case")
        if r["Dispatch_Pro_Id__c"] and r["Dispatch_Pro_Id__c"] != too_long_key
    }
    edited, cut, unlinked = sorted(
        k for k, r in cases.items() if r["Description"] and len(r["Description"]) > 20
    )[:3]

    # 2. a mismatch: someone edits a Case's Subject in the org after the load
    org.sf.Case.update(cases[edited]["Id"], {"Subject": "Edited in the org"})
    # 3. a truncation: an integration cuts the Description short
    intended_description = cases[cut]["Description"]
    org.sf.Case.update(cases[cut]["Id"], {"Description": intended_description[:12]})
    # 4. an unresolved lookup: the Case loses its Account in the org
    (account_key,) = _mart(
        run,
        'select "Account.Dispatch_Pro_Id__c" from salesforce."Case" where "Dispatch_Pro_Id__c" = ?',
        [unlinked],
    )[0]
    assert account_key
    org.sf.Case.update(cases[unlinked]["Id"], {"AccountId": None})
    # 5. a picklist gap: the admin deletes a priority level the sampled Cases hold
    (level,) = _mart(
        run,
        'select min("Dispatch_Pro_Priority__c") from salesforce."Case" where "Dispatch_Pro_Id__c" <> ?',
        [too_long_key],
    )[0]
    _deploy_without_value(admin, "Case", "Dispatch_Pro_Priority__c", level)

    readback = S.read_back_sample(run, org)
    findings = S.diff_sample_run(run, readback, org)
    S.record_sample(run)
    html = S.render_report(run)

    def one(key: str, field: str) -> dict:
        rows = findings[(findings["external_id"] == key) & (findings["field"] == field)]
        assert len(rows) == 1, (key, field, rows)
        return rows.iloc[0].to_dict()

    mismatch = one(edited, "Subject")
    assert mismatch["finding"] == "mismatch" and mismatch["blocking"]
    assert mismatch["org_value"] == "Edited in the org"
    assert mismatch["intended_value"] == cases[edited]["Subject"]
    assert mismatch["source_value"]  # the job's summary / number the Subject is made of

    truncated = one(cut, "Description")
    assert truncated["finding"] == "truncated" and truncated["blocking"]
    assert truncated["intended_value"] == intended_description
    assert truncated["org_value"] == intended_description[:12]
    assert truncated["source_value"]

    refused = one(too_long_key, "Subject")
    assert refused["finding"] == "truncated" and refused["blocking"]
    assert refused["intended_value"] == too_long
    assert refused["org_value"].startswith("STRING_TOO_LONG")
    assert refused["source_value"]
    missing = one(too_long_key, "Dispatch_Pro_Id__c")
    assert missing["finding"] == "missing_record" and missing["blocking"]

    lookup = one(unlinked, "Account.Dispatch_Pro_Id__c")
    assert lookup["finding"] == "unresolved_lookup" and lookup["blocking"]
    assert lookup["intended_value"] == account_key
    assert pd.isna(lookup["org_value"])  # the org's value: the lookup is empty
    assert lookup["source_value"]

    gaps = findings[
        (findings["field"] == "Dispatch_Pro_Priority__c") & (findings["finding"] == "picklist_gap")
    ]
    assert len(gaps) >= 1 and gaps["blocking"].all()
    gap = gaps.iloc[0]
    assert gap["intended_value"] == level and gap["org_value"] == level
    assert gap["source_value"] == level  # the raw priority level
    held = findings[(findings["field"] == "Dispatch_Pro_Priority__c") & (findings["intended_value"] == level)]
    assert set(held["finding"]) <= {"picklist_gap"}

    # nothing else is blocking: the rest of the sample reads back as the mapping intended
    planted = {(edited, "Subject"), (cut, "Description"), (too_long_key, "Subject"),
               (too_long_key, "Dispatch_Pro_Id__c"), (unlinked, "Account.Dispatch_Pro_Id__c")}  # fmt: skip
    other = findings[findings["blocking"] & (findings["field"] != "Dispatch_Pro_Priority__c")]
    other = other[[(k, f) not in planted for k, f in zip(other["external_id"], other["field"], strict=True)]]
    # children of the refused Case cannot link to it: their Case lookup is refused or empty, nothing else
    assert set(other["finding"]) <= {"unresolved_lookup", "missing_record"}, other.head(10).to_dict("records")
    assert (findings["finding"] == "equal").sum() > 0.9 * len(findings)

    # the main DuckDB holds the run (kind sample, the mapping hash) and its findings
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        kind, hash_, status = con.execute(
            "select kind, mapping_hash, status from ledger.runs where run_id = ?", [run.run_id]
        ).fetchone()
        stored = con.execute(
            "select finding, count(*) from ledger.sample_findings where run_id = ? group by 1", [run.run_id]
        ).fetchall()
    assert (kind, status) == ("sample", "completed")
    assert hash_ == mapping_hash(settings) and len(hash_) == 64
    assert dict(stored) == findings["finding"].value_counts().to_dict()
    for name in ("findings.csv", "fields.csv", "objects.csv", "selection.json"):
        assert (run.report_dir / "sample_diff" / name).is_file()

    # the report: every section, plots as inline PNGs, the planted examples with their values
    text = html.read_text(encoding="utf-8")
    for section in ("Summary", "Coverage of the sample", "Per object", "Per field, worst first",
                    "Findings by kind", "Blocking findings", "Examples"):  # fmt: skip
        assert f">{section}<" in text, section
    assert text.count("data:image/png") >= 3
    assert "Edited in the org" in text and "picklist_gap" in text and "unresolved_lookup" in text
    assert '<script src="http' not in text
