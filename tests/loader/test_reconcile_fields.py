"""Per-field reconciliation against the sandbox org over HTTPS: every source value of a renamed, cast or
value-mapped edge is in the org, flagged, in a held-back record or declared; a drop fails naming the field,
whether the org lost it or a model replaced the mapped column by null (the edge then disappears from today's
lineage, and the approved lineage still counts it)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from core.settings import get_settings
from loaders.ledger import Ledger, approved_lineage, record_approved_lineage
from loaders.load import run_load
from loaders.reconcile import run_reconcile
from loaders.reconcile_fields import edges, lost_edges
from loaders.sample_source import read_lineage_rows
from mapping.lineage import run_accounting
from mapping.map_diff import build_marts, copy_tree
from tests.loader.helpers import org_client

PLANTED_MODEL = Path("dbt_project/models/intermediate/customers/int_contacts_prepared.sql")
PLANTED_LINE = 'customers.latitude as "MailingLatitude",'
PLANTED_NULL = 'cast(null as double) as "MailingLatitude",'


def _row(table: str, column: str, obj: str, field: str, kind: str = "cast") -> dict[str, str]:
    names = ("source_table", "source_column", "object", "field", "transformation")
    return dict(zip(names, (table, column, obj, field, kind), strict=True))


def test_an_approved_edge_gone_from_todays_lineage_is_listed_once() -> None:
    kept = _row("jobs", "created_on", "Case", "Source_Created_Date__c")
    gone = _row("customers", "address__latitude", "Contact", "MailingLatitude")
    approved = [kept, gone]
    assert lost_edges([kept], approved) == [gone]
    assert lost_edges(approved, approved) == []
    assert [(r["field"], lost) for r, lost in edges([kept], approved)] == [
        ("Source_Created_Date__c", False),
        ("MailingLatitude", True),
    ]


def _equation_holds(fields) -> None:
    for f in fields:
        assert f.source == f.in_org + f.flagged + f.held_back + f.declared + f.dropped, f


def test_every_value_accounted_for_and_an_org_side_drop_names_the_field(workspace) -> None:
    load = run_load(workspace)
    assert load.status == "completed"
    rec = run_reconcile(workspace, run_id=load.run_id)
    fields = rec.fields
    assert fields is not None and len(fields.fields) >= 30
    _equation_holds(fields.fields)
    assert fields.ok, fields.problems()  # the tiny tier reconciles: every value in the org, flagged or held
    counted = {f.object for f in fields.fields}
    assert fields.bulk_queries == len(counted)  # one Bulk query per object, every record
    by_name = {(f.object, f.field, f.source_table): f for f in fields.fields}
    created = by_name[("Case", "Source_Created_Date__c", "jobs")]
    assert created.ok and created.source > 0 and created.in_org == created.source
    latitude = by_name[("Contact", "MailingLatitude", "customers")]  # a compound address, by its component
    assert latitude.ok and latitude.in_org > 0

    # a value lost behind the loader's back: the org no longer holds one Case's source creation date
    org = org_client(workspace)
    (victim,) = org.sf.query(
        "SELECT Id, Dispatch_Pro_Id__c FROM Case WHERE Source_Created_Date__c != null LIMIT 1"
    )["records"]
    org.sf.Case.update(victim["Id"], {"Source_Created_Date__c": None})
    again = run_reconcile(workspace, run_id=load.run_id)
    assert not again.ok
    lost = next(f for f in again.fields.fields if (f.object, f.field) == ("Case", "Source_Created_Date__c"))
    assert lost.dropped == 1 and lost.dropped_examples == [victim["Dispatch_Pro_Id__c"]]
    assert lost.source == created.source and lost.in_org == created.in_org - 1
    assert any("Case.Source_Created_Date__c ← jobs.created_on" in p for p in again.fields.problems())
    _equation_holds(again.fields.fields)


@pytest.mark.slow
def test_a_model_that_nulls_a_mapped_column_fails_the_run_naming_the_field(workspace, tmp_path) -> None:
    # the approval of today's mapping keeps its lineage
    approved = read_lineage_rows(workspace.build_dir / "lineage.csv")
    with duckdb.connect(str(workspace.duckdb_path)) as con:
        Ledger(con)
        record_approved_lineage(con, datetime.now(UTC).replace(tzinfo=None), "approved-hash", approved)
        assert approved_lineage(con)[1]
    # a copy of the dbt project where a mapped column is replaced by null, built on the workspace's DuckDB
    root = copy_tree(workspace, tmp_path / "planted")
    model = root / PLANTED_MODEL
    sql = model.read_text(encoding="utf-8")
    assert PLANTED_LINE in sql
    model.write_text(sql.replace(PLANTED_LINE, PLANTED_NULL), encoding="utf-8")
    work = tmp_path / "dbt"
    build_marts(root, workspace.duckdb_path, work, "custom", "planted", workspace.source_locale, False)
    build = tmp_path / "build"
    shutil.copytree(workspace.build_dir, build)
    # today's lineage no longer has the edge; the raw column still feeds Account, so the accounting passes
    run_accounting(work / "target" / "manifest.json", workspace.duckdb_path, build / "lineage.csv")
    current = read_lineage_rows(build / "lineage.csv")
    gone = lost_edges(current, approved)
    assert ("customers", "address__latitude", "Contact", "MailingLatitude") in {
        (r["source_table"], r["source_column"], r["object"], r["field"]) for r in gone
    }
    planted = get_settings(
        sandbox_dir=workspace.sandbox_dir,
        data_dir=workspace.data_dir,
        build_dir=build,
        reports_dir=workspace.reports_dir,
        load_chunk_rows=workspace.load_chunk_rows,
    )
    load = run_load(planted)
    assert load.status == "completed"
    rec = run_reconcile(planted, run_id=load.run_id)
    assert not rec.ok
    bad = [f for f in rec.fields.fields if (f.object, f.field) == ("Contact", "MailingLatitude")]
    assert bad and bad[0].lost_edge and bad[0].dropped > 0 and bad[0].in_org == 0
    named = "Contact.MailingLatitude ← customers.address__latitude"
    assert any(p.startswith(named) for p in rec.fields.problems())
    # the record equation alone still holds: only the per-field check sees the loss
    assert all(o.equation_holds for o in rec.objects)
