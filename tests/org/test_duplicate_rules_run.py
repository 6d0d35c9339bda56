"""The pre-scan's automation section on an org with a trigger, a flow, a validation rule and a duplicate rule;
a load that meets the duplicate rule fails the refused rows with Salesforce's error, in the ledger, the failed
CSV and the reconciliation, and records what automation was active (issue 20 §2 must-show)."""

from __future__ import annotations

import csv

import duckdb
import pytest

from core.connection import connect
from expectations.prescan import collect
from loaders.ledger import Ledger
from loaders.load import run_load
from loaders.reconcile import run_reconcile
from tests.org.conftest import define_automation


@pytest.mark.slow
def test_prescan_lists_the_automation_and_the_load_fails_duplicates_with_their_reason(workspace):
    define_automation(workspace.sandbox_dir, duplicate_fields=("Name",))
    with duckdb.connect(str(workspace.duckdb_path), read_only=True) as con:
        name, key = con.execute(
            """select "Name", "Dispatch_Pro_Id__c" from salesforce."Account"
            where "Dispatch_Pro_Id__c" like 'customer:%' order by 2 limit 1"""
        ).fetchone()
    # the org already holds this customer (entered by hand before the migration, no external id)
    connect("sandbox", settings=workspace).Account.create({"Name": name})

    scan = collect(workspace)
    auto = scan.tables["automation"]
    kinds = set(zip(auto["object"], auto["kind"], strict=True))
    assert {
        ("Case", "apex_trigger"),
        ("Account", "flow"),
        ("Case", "validation_rule"),
        ("Account", "duplicate_rule"),
        ("Case", "assignment_rule"),
    } <= kinds
    assert auto["bypass"].str.len().min() > 0 and auto["could_do"].str.len().min() > 0
    conflicts = scan.tables["duplicate_rule_conflicts"]
    assert list(conflicts.columns) == ["object", "rule", "matches_on", "pairs", "example", "warning"]
    assert set(conflicts["object"]) <= {"Account"}

    loaded = run_load(workspace)
    assert loaded.counts["Account"]["failed"] >= 1
    with duckdb.connect(str(workspace.duckdb_path)) as con:  # the load is over: the ledger's own reader
        ledger = Ledger(con)
        row = con.execute(
            "select error_code, error_message from ledger.run_outcomes where run_id = ? and source_key = ?",
            [loaded.run_id, key],
        ).fetchone()
        recorded = ledger.automation(loaded.run_id)
    assert row[0] == "DUPLICATES_DETECTED" and "Use one of these records?" in row[1]
    assert ("Account", "duplicate_rule", "Standard_Account_Duplicate_Rule") in recorded
    assert ("Case", "apex_trigger", "CaseTrigger") in recorded
    with open(loaded.failed_dir / "Account.csv", encoding="utf-8", newline="") as fh:
        failed = {r["Dispatch_Pro_Id__c"]: r for r in csv.DictReader(fh)}
    assert failed[key]["error_code"] == "DUPLICATES_DETECTED"
    account = next(o for o in run_reconcile(workspace, loaded.run_id).objects if o.name == "Account")
    assert account.failed == loaded.counts["Account"]["failed"] and account.equation_holds, account.problems()
