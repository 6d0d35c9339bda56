"""The loader against the sandbox org over HTTPS: order, idempotency, failures with Salesforce's error,
reconcile.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from loaders.load import make_plan, run_load
from loaders.reconcile import run_reconcile
from reporting.frames import reconciliation_frames
from tests.loader.helpers import org_client


def _ledger(settings, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(settings.duckdb_path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_plan_puts_every_parent_before_its_children(built) -> None:
    plan = make_plan(built)
    order = plan.order
    assert order.index("Account") < order.index("Contact") < order.index("Case")
    for obj in plan.objects:
        for parent in obj.parents:
            assert order.index(parent) < order.index(obj.name), (parent, obj.name)
    case = plan.get("Case")
    assert case.rows > 0 and case.jobs(plan.chunk_rows) == -(-case.rows // plan.chunk_rows)
    assert plan.total_calls() >= 6 * plan.total_jobs()


def test_load_twice_creates_no_duplicates_and_every_row_has_an_outcome(workspace, admin) -> None:
    first = run_load(workspace)
    assert first.status == "completed"
    created = {obj: c.get("created", 0) for obj, c in first.counts.items()}
    assert created["Case"] > 0 and created["Event"] > 0
    live = {k: v["live"] for k, v in admin.stats()["records"].items()}
    for obj, n in created.items():
        if n:
            assert live[obj] == n, obj
    # every mart row and every quarantined row has exactly one outcome in the run
    for obj in ("Account", "Case", "Event", "Line_Item__c"):
        source = _ledger(
            workspace,
            f'select count(*) from (select "Dispatch_Pro_Id__c" from salesforce."{obj}" union '
            "select source_key from quarantine.quarantine_all where object_name = ?)",
            [obj],
        )[0][0]
        outcomes = _ledger(
            workspace,
            "select count(*), count(distinct source_key) from ledger.operations where run_id = ? "
            "and object_name = ?",
            [first.run_id, obj],
        )[0]
        assert outcomes == (source, source), obj

    second = run_load(workspace)  # nothing changed: nothing is sent
    assert second.sent == {} and second.jobs == 0
    assert second.total("unchanged") == first.total("created") + first.total("updated")

    third = run_load(workspace, resend=True)  # everything sent again: updates, not new records
    files_kept = third.counts["ContentVersion"]["unchanged"]  # identical files are never uploaded again
    assert third.total("created") == 0 and third.total("updated") + files_kept == first.total("created")
    assert files_kept == first.counts["ContentVersion"]["created"]
    assert {k: v["live"] for k, v in admin.stats()["records"].items()} == live
    # an update keeps the before-image of the fields it overwrote
    image = _ledger(
        workspace,
        "select before_image from ledger.operations where run_id = ? and object_name = 'Case' "
        "and action = 'updated' limit 1",
        [third.run_id],
    )[0][0]
    assert "Subject" in json.loads(image) and "OwnerId" in json.loads(image)


def test_a_missing_parent_fails_the_child_with_salesforces_error(workspace) -> None:
    result = run_load(workspace, objects=["Contact"])  # the Accounts were never loaded
    failed = _ledger(
        workspace,
        "select source_key, error_code, error_message from ledger.operations where run_id = ? "
        "and action = 'failed'",
        [result.run_id],
    )
    with_account = _ledger(
        workspace, 'select count(*) from salesforce."Contact" where "Account.Dispatch_Pro_Id__c" is not null'
    )[0][0]
    assert with_account > 0 and len(failed) == with_account
    key, code, message = failed[0]
    assert code == "INVALID_FIELD" and "Foreign key external ID" in message and "not found" in message
    with open(result.failed_dir / "Contact.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == with_account and rows[0]["error_code"] == "INVALID_FIELD"


def test_owners_resolve_by_normalised_email_with_the_fallback_recorded(workspace) -> None:
    result = run_load(workspace, objects=["Account", "Contact", "Location__c", "Case"])
    decisions = dict(
        _ledger(
            workspace,
            "select decision, count(*) from ledger.resolutions where run_id = ? and object_name = 'Case' "
            "and field = 'OwnerId' group by 1",
            [result.run_id],
        )
    )
    cases = _ledger(workspace, 'select count(*) from salesforce."Case"')[0][0]
    assert sum(decisions.values()) == cases and decisions.get("matched", 0) > 0
    org = org_client(workspace)
    users = {
        u["Id"]: (u["Email"] or "").strip().lower() for u in org.query_iter("SELECT Id, Email FROM User")
    }
    matched = _ledger(
        workspace,
        "select source_key, input, resolved_id from ledger.resolutions where run_id = ? "
        "and decision = 'matched' "
        "and object_name = 'Case' limit 5",
        [result.run_id],
    )
    for key, email, owner in matched:
        rec = next(org.query_iter(f"SELECT OwnerId FROM Case WHERE Dispatch_Pro_Id__c = '{key}'"))
        assert rec["OwnerId"][:15] == owner[:15] and users[rec["OwnerId"]] == email.strip().lower()


def test_reconcile_holds_and_fails_loudly_when_a_record_is_deleted_behind_its_back(workspace) -> None:
    load = run_load(workspace)
    ok = run_reconcile(workspace)
    assert ok.ok, [(o.name, o.problems()) for o in ok.objects if not o.ok]
    case = next(o for o in ok.objects if o.name == "Case")
    assert case.source == case.loaded + case.quarantined + case.gates + case.skipped + case.failed
    assert case.in_org == case.loaded and case.sampled > 0
    frames = reconciliation_frames(ok)  # the notebook's view: one summary row per object, the same figures
    row = frames.summary.set_index("object").loc["Case"]
    assert (row["source"], row["loaded"], row["sampled"]) == (case.source, case.loaded, case.sampled)
    assert frames.ok and frames.summary["equation_holds"].all() and frames.keys.empty

    (key, sf_id), (moved_key, moved_id) = _ledger(
        workspace,
        "select source_key, sf_id from ledger.operations where run_id = ? and object_name = 'Event' "
        "and action = 'created' order by source_key limit 2",
        [load.run_id],
    )
    sf = org_client(workspace).sf
    sf.Event.delete(sf_id)
    # a polymorphic WhatId the loader resolved itself, re-pointed in the org to another Case
    what = sf.Event.get(moved_id)["WhatId"]
    other = sf.query(f"SELECT Id FROM Case WHERE Id != '{what}' LIMIT 1")["records"][0]["Id"]
    sf.Event.update(moved_id, {"WhatId": other})
    # a line item's total changed in the org: its Case's total no longer matches the source to the cent
    item = sf.query(
        "SELECT Id, Total__c, Case__r.Dispatch_Pro_Id__c FROM Line_Item__c WHERE Dispatch_Pro_Id__c != null "
        "AND Total__c != null LIMIT 1"
    )["records"][0]
    sf.Line_Item__c.update(item["Id"], {"Total__c": item["Total__c"] + 1.25})
    bad = run_reconcile(workspace)
    assert not bad.ok
    event = next(o for o in bad.objects if o.name == "Event")
    assert event.missing_in_org == [key]
    assert event.lookup_mismatches == [{"key": moved_key, "field": "WhatId", "ledger": what, "org": other}]
    (total,) = next(o for o in bad.objects if o.name == "Line_Item__c").total_mismatches
    assert total["case"] == item["Case__r"]["Dispatch_Pro_Id__c"]
    assert Decimal(total["org"]) - Decimal(total["source"]) == Decimal("1.25")
    assert json.loads(bad.report_path.read_text())["ok"] is False
    frames = reconciliation_frames(bad.report_path)  # from the JSON report alone
    assert not frames.ok
    assert frames.keys.to_dict("records") == [{"object": "Event", "issue": "missing_in_org", "key": key}]
    assert not frames.summary.set_index("object").loc["Event", "ok"]


@pytest.mark.parametrize("objects", [["Account", "Contact"]])
def test_cli_load_plan_and_reconcile_exit_codes(workspace, objects, monkeypatch) -> None:
    from typer.testing import CliRunner

    from workbench.cli import app

    for name in ("sandbox_dir", "data_dir", "reports_dir", "build_dir"):
        monkeypatch.setenv(f"DP2SF_{name.upper()}", str(getattr(workspace, name)))
    runner = CliRunner()
    plan = runner.invoke(app, ["load", "--plan"])
    assert plan.exit_code == 0 and "Bulk jobs" in plan.output
    loaded = runner.invoke(app, ["load", *sum((["--object", o] for o in objects), [])])
    assert loaded.exit_code == 0, loaded.output
    # a run of two objects reconciles on those two (the others are not counted as missing): exit 0
    rec = runner.invoke(app, ["reconcile"])
    assert rec.exit_code == 0, rec.output
    report = json.loads(next(Path(workspace.reports_dir).glob("*/reconciliation.json")).read_text())
    assert [o["name"] for o in report["objects"]] == objects and report["ok"]
    # one of its Accounts deleted in the org behind the loader's back: it no longer adds up, exit 2
    org = org_client(workspace)
    gone = next(org.query_iter("SELECT Id FROM Account LIMIT 1"))["Id"]
    org.sf.Account.delete(gone)
    rec = runner.invoke(app, ["reconcile"])
    assert rec.exit_code == 2, rec.output


def test_connect_sandbox_without_a_path_reads_the_settings_sandbox_dir(built, monkeypatch) -> None:
    from core.connection import connect

    monkeypatch.setenv("DP2SF_SANDBOX_DIR", str(built.sandbox_dir))
    sf = connect("sandbox")  # issue 8 house-keeping: this raised ImportError (no `settings` name)
    assert sf.query("SELECT COUNT() FROM Organization")["totalSize"] == 1


def test_children_of_a_held_back_or_failed_parent_are_skipped_with_the_reason(workspace, admin) -> None:
    con = duckdb.connect(str(workspace.duckdb_path))
    try:
        held, failing = (
            r[0]
            for r in con.execute(
                'select "Account.Dispatch_Pro_Id__c" from salesforce."Contact" '
                'where "Account.Dispatch_Pro_Id__c" is not null group by 1 order by 1 limit 2'
            ).fetchall()
        )
        con.execute("create schema if not exists gates")
        con.execute(
            "create table if not exists gates.gates_all "
            "(object_name varchar, source_key varchar, reason varchar)"
        )
        con.execute("insert into gates.gates_all values ('Account', ?, 'held by a test gate')", [held])
        # a Name longer than the org's 255 characters: the org refuses the Account (STRING_TOO_LONG)
        con.execute(
            'update salesforce."Account" set "Name" = repeat(\'x\', 300) where "Dispatch_Pro_Id__c" = ?',
            [failing],
        )
        children = {
            parent: {
                r[0]
                for r in con.execute(
                    'select "Dispatch_Pro_Id__c" from salesforce."Contact" '
                    'where "Account.Dispatch_Pro_Id__c" = ?',
                    [parent],
                ).fetchall()
            }
            for parent in (held, failing)
        }
    finally:
        con.close()
    result = run_load(workspace, objects=["Account", "Contact"])
    rows = _ledger(
        workspace,
        "select object_name, source_key, action, error_code, error_message from ledger.operations "
        "where run_id = ? and source_key in (select unnest(?))",
        [result.run_id, [held, failing, *children[held], *children[failing]]],
    )
    by_key = {(o, k): (a, c, m) for o, k, a, c, m in rows}
    assert by_key[("Account", held)][:2] == ("skipped", "HELD_BY_GATES")
    assert by_key[("Account", failing)][:2] == ("failed", "STRING_TOO_LONG")  # Salesforce's error
    for key in children[held]:
        action, code, message = by_key[("Contact", key)]
        assert (action, code) == ("skipped", "PARENT_HELD_BACK")
        assert message.startswith(f"parent held back: Account {held} (AccountId; HELD_BY_GATES")
    for key in children[failing]:
        action, code, message = by_key[("Contact", key)]
        assert (action, code) == ("skipped", "PARENT_FAILED")
        assert message.startswith(f"parent failed: Account {failing} (AccountId; STRING_TOO_LONG")
    # none of them was sent: the org has no Contact of either Account, and no Contact failed
    org = org_client(workspace)
    keys = ", ".join(f"'{k}'" for k in children[held] | children[failing])
    assert list(org.query_iter(f"SELECT Id FROM Contact WHERE Dispatch_Pro_Id__c IN ({keys})")) == []
    assert result.counts["Contact"].get("failed", 0) == 0
