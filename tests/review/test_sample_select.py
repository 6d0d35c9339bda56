"""The sample's selection: every stratum of the source covered, deterministic, every dependent row kept; the
classification of a field, case by case."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from loaders.sample_diff import FieldSpec, classify, is_blocking
from loaders.sample_select import copy_sample
from tests.loader.conftest import built  # noqa: F401 - the tiny-tier marts, built once per session
from workbench.settings import Settings

R = "raw_dispatch_pro"


def _values(db: Path, sql: str) -> set:
    with duckdb.connect(str(db), read_only=True) as con:
        return {r[0] for r in con.execute(sql).fetchall()}


@pytest.fixture(scope="module")
def source(built: Settings, tmp_path_factory) -> Path:  # noqa: F811
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
