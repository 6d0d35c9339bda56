"""``dp2sf sample`` against the sandbox org over real HTTPS (tiny tier).

The selection: every stratum of the source covered, deterministic, every dependent row kept. The diff:
planted findings come out with the source, intended and org values; the run and its findings land in the
main DuckDB; the report renders every section. Planted as a real org produces them: a value too long for its
field (the org refuses it: ``STRING_TOO_LONG``), a field an integration cut short after the load, a value
edited in the org, a picklist value the admin deleted from the field's definition after the load (records
keep it), a lookup cleared in the org. And the classification of a field, case by case.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.mapping_hash import mapping_hash
from core.settings import PROJECT_DIR, Settings, get_settings
from loaders.sample_diff import FieldSpec, classify, is_blocking
from loaders.sample_select import choose_jobs, copy_sample
from tests.loader.helpers import Admin, fresh_workspace, org_client
from workbench import sample as S

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

R = "raw_dispatch_pro"


def _values(db: Path, sql: str) -> set:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute(sql).fetchall()}


@pytest.fixture(scope="module")
def source(built: Settings, tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("sample_source") / "source.duckdb"
    copy.write_bytes(Path(built.duckdb_path).read_bytes())  # never hold the shared file open
    return copy


def test_the_sample_covers_every_job_type_status_priority_and_technician(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "raw.duckdb"
    selection = copy_sample(source, out, size=25, seed=3)
    assert len(selection.jobs) == 25 == len(_values(out, f"select id from {R}.jobs"))
    for column in ("job_type_id", "job_status", "priority"):
        in_source = _values(source, f"select {column} from {R}.jobs where {column} is not null")
        assert len(in_source) > 1
        assert _values(out, f"select {column} from {R}.jobs") == in_source, column
    assigned = f"select technician_id from {R}.appointment_assignments where technician_id is not null"
    sampled = _values(out, assigned)
    assert sampled == _values(source, assigned) and len(sampled) > 5
    assert not selection.missing
    # the edge cases: residential and commercial, one site and several, signatures, attachments, invoices,
    # unicode, long notes
    assert selection.covered["customer"] == {"residential", "commercial"}
    assert selection.covered["sites"] == {"one", "several"}
    assert selection.covered["edge"] == {"signature", "attachment", "invoice", "unicode", "long_note"}
    assert _values(out, f"select max(length(text)) > 4000 from {R}.job_notes") == {True}


def test_dependents_and_parents_come_along_and_reference_tables_whole(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "raw.duckdb"
    copy_sample(source, out, size=12, seed=5)
    with duckdb.connect(str(out), read_only=True) as con:

        def orphans(sql: str) -> int:
            return con.execute(sql).fetchone()[0]

        assert (
            orphans(f"select count(*) from {R}.jobs where customer_id not in (select id from {R}.customers)")
            == 0
        )
        for child in (
            "appointments",
            "appointment_assignments",
            "job_history",
            "job_notes",
            "job_attachments",
        ):
            assert (
                orphans(f"select count(*) from {R}.{child} where job_id not in (select id from {R}.jobs)")
                == 0
            )
        assert (
            orphans(
                f"select count(*) from {R}.invoice_items "
                f"where invoice_id not in (select id from {R}.invoices)"
            )
            == 0
        )
        assert (
            orphans(
                f"select count(*) from {R}.jobs__custom_fields "
                f"where _dlt_root_id not in (select _dlt_id from {R}.jobs)"
            )
            == 0
        )
        # every location of a sampled customer (a customer with several sites stays one with several sites)
        with duckdb.connect(str(source), read_only=True) as src:
            customers = [r[0] for r in con.execute(f"select id from {R}.customers").fetchall()]
            marks = ", ".join("?" for _ in customers)
            want = src.execute(
                f"select count(*) from {R}.locations where customer_id in ({marks})", customers
            ).fetchone()[0]
            technicians = src.execute(f"select count(*) from {R}.technicians").fetchone()[0]
        assert con.execute(f"select count(*) from {R}.locations").fetchone()[0] == want
        assert con.execute(f"select count(*) from {R}.technicians").fetchone()[0] == technicians
        assert con.execute(f"select count(*) from {R}._dlt_loads").fetchone()[0] >= 1
        # the dependents of the jobs: every table tied to them has rows
        for table in (
            "appointments",
            "job_history",
            "job_notes",
            "invoices",
            "invoice_items",
            "calls",
            "payments",
        ):
            assert con.execute(f"select count(*) from {R}.{table}").fetchone()[0] > 0, table


def test_the_same_seed_gives_the_same_sample_and_the_cover_wins_over_the_size(
    source: Path, tmp_path: Path
) -> None:
    a = copy_sample(source, tmp_path / "a.duckdb", size=20, seed=11)
    b = copy_sample(source, tmp_path / "b.duckdb", size=20, seed=11)
    c = copy_sample(source, tmp_path / "c.duckdb", size=20, seed=12)
    assert a.jobs == b.jobs and a.rows == b.rows
    assert a.jobs != c.jobs
    tiny = copy_sample(source, tmp_path / "d.duckdb", size=1, seed=11)
    assert len(tiny.jobs) > 1 and not tiny.missing  # every stratum still covered


def test_the_lazy_cover_picks_what_a_full_scan_per_pick_picks() -> None:
    """``choose_jobs`` re-scores a job only when it reaches the top of its heap: on seeded random tag sets
    (overlapping tags, ties, jobs without tags) it picks the same jobs as the scan of every job per pick."""
    import random

    def scanned(tags: dict[int, set[str]], size: int, seed: int) -> list[int]:
        order = sorted(tags)
        random.Random(seed).shuffle(order)
        rank = {job: i for i, job in enumerate(order)}
        uncovered, chosen = set().union(*tags.values()), []
        while uncovered:
            best = max(order, key=lambda j: (len(tags[j] & uncovered), -rank[j]))
            chosen.append(best)
            uncovered -= tags[best]
        types: dict[str, list[int]] = {}
        for job in order:
            if job not in chosen:
                kind = next((t for t in sorted(tags[job]) if t.startswith("job_type:")), "job_type:?")
                types.setdefault(kind, []).append(job)
        queues = [types[k] for k in sorted(types)]
        while len(chosen) < size and any(queues):
            for queue in queues:
                if queue and len(chosen) < size:
                    chosen.append(queue.pop(0))
        return sorted(chosen)

    rng = random.Random(7)
    vocabulary = [f"job_type:{n}" for n in range(6)] + [f"status:{n}" for n in range(5)] + ["edge:x"]
    for case in range(60):
        tags = {job: set(rng.sample(vocabulary, rng.randint(0, 4))) for job in rng.sample(range(10_000), 400)}
        size = rng.choice([5, 30, 120])
        assert choose_jobs(tags, size, case) == scanned(tags, size, case), case


def test_classify_each_case() -> None:
    value = FieldSpec("Subject", "Subject", "Subject", "value")
    lookup = FieldSpec(
        "Account.Dispatch_Pro_Id__c", "Account.Dispatch_Pro_Id__c", "Account.Dispatch_Pro_Id__c", "lookup"
    )
    owner = FieldSpec("OwnerId", "OwnerId", "_owner_email", "resolved")
    text = {"type": "string"}
    picklist = {"type": "picklist", "picklistValues": [{"value": "High", "active": True}]}
    assert classify(value, "1.50", 1.5, {"type": "double"}) == "equal"
    assert classify(value, None, False, {"type": "boolean"}) == "equal"
    assert classify(value, "Hello world", "Hello", text) == "truncated"
    assert classify(value, "Hello", "Bye", text) == "mismatch"
    assert classify(value, None, "Default", text) == "changed_by_org"
    assert classify(value, "Urgent", "Urgent", picklist) == "picklist_gap"
    assert classify(value, "High", "High", picklist) == "equal"
    assert classify(lookup, "customer:1", None, None) == "unresolved_lookup"
    assert classify(lookup, "customer:1", "customer:2", None) == "mismatch"
    assert (
        classify(owner, "tech@x.example", "fallback@x.example", None, "fallback@x.example")
        == "unresolved_lookup"
    )
    assert not is_blocking("unresolved_lookup", "OwnerId")
    assert is_blocking("unresolved_lookup", "Account.Dispatch_Pro_Id__c")
    assert not is_blocking("missing_record", "Dispatch_Pro_Id__c", "QUARANTINED")
    assert is_blocking("missing_record", "Dispatch_Pro_Id__c", "STRING_TOO_LONG")


def _settings(built: Settings, tmp_path: Path) -> Settings:
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
    from core.fields import load_field_list
    from mapping.manifest import render_metadata

    path = f"objects/{obj}/fields/{field}.field-meta.xml"
    xml = render_metadata(load_field_list(), "custom")[path]
    block = re.compile(r"\s*<value>\s*<fullName>" + re.escape(value) + r"</fullName>.*?</value>", re.S)
    smaller = block.sub("", xml, count=1)
    assert smaller != xml
    result = admin._call("POST", "/metadata/deploy", {"files": {path: smaller}})
    assert result.get("success"), result


@pytest.mark.slow
def test_planted_findings_appear_with_all_three_values(built: Settings, tmp_path: Path) -> None:
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
    # children of the refused Case cannot link to it: their Case lookup is refused or empty; beside them only
    # the values the build flags (each waits for a person's decision), no value lost unflagged
    unexpected = other[~other["finding"].isin(["unresolved_lookup", "missing_record", "flagged"])]
    assert unexpected.empty, unexpected.groupby(["finding", "object", "field"]).size().to_dict()
    assert set(other["finding"]) <= {"unresolved_lookup", "missing_record", "flagged"}, (
        other[other["finding"] != "flagged"].head(10).to_dict("records")
    )
    arrived = findings["finding"].isin(["equal", "empty", "set_by_mapping"])
    assert arrived.sum() > 0.9 * len(findings)
    assert (findings["finding"] == "equal").sum() > 0  # equal: the source had the value

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
