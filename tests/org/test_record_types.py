"""Record types (issue 20 §3): the schema check verifies the mapped ones; the loader sends RecordTypeId."""

from __future__ import annotations

import duckdb
import pytest

from core.connection import connect
from core.settings import get_settings
from loaders.load import run_load
from loaders.reconcile import run_reconcile
from mapping.schema_check import record_type_issues
from tests.org.conftest import org_admin


def _record_types(state, *specs: tuple[str, bool], obj: str = "Case") -> None:
    for name, active in specs:
        body = {"object": obj, "developer_name": name, "name": name.replace("_", " "), "active": active}
        org_admin(state, "POST", "/automation/record_types", body)


def test_schema_check_names_missing_and_inactive_record_types(org_state, clean_env):
    _record_types(org_state, ("Emergency_Job", True), ("Old_Job", False))
    sf = connect("sandbox", settings=get_settings(sandbox_dir=org_state))
    described = sf.Case.describe()
    assert record_type_issues("Case", described, {"Emergency_Job"}) == []
    issues = {i.expected: i for i in record_type_issues("Case", described, {"Old_Job", "Warranty_Job"})}
    assert issues["Old_Job"].actual == "an inactive record type" and issues["Old_Job"].blocking
    assert issues["Warranty_Job"].actual.startswith("no such record type (it has Emergency_Job, Old_Job)")


@pytest.mark.slow
def test_the_loader_sends_the_mapped_record_type_and_the_run_reconciles(workspace):
    _record_types(workspace.sandbox_dir, ("Emergency_Job", True), ("Standard_Job", True))
    with duckdb.connect(str(workspace.duckdb_path)) as con:
        # what the seed map_record_type gives (job type → developer name); the repo's seed is empty
        con.execute(
            """update salesforce."Case" set "_record_type" = case
                when "Job_Type__c" = (select min("Job_Type__c") from salesforce."Case") then 'Emergency_Job'
                else 'Standard_Job' end"""
        )
        want = dict(
            con.execute("""select "Dispatch_Pro_Id__c", "_record_type" from salesforce."Case" """).fetchall()
        )
    loaded = run_load(workspace)
    assert loaded.status == "completed" and loaded.counts["Case"].get("failed", 0) == 0
    sf = connect("sandbox", settings=workspace)
    got = {
        r["Dispatch_Pro_Id__c"]: r["RecordType"]["DeveloperName"]
        for r in sf.query_all("SELECT Dispatch_Pro_Id__c, RecordType.DeveloperName FROM Case")["records"]
        if r["Dispatch_Pro_Id__c"] in want
    }
    assert got == {k: v for k, v in want.items() if k in got} and len(got) == loaded.counts["Case"]["created"]
    assert set(got.values()) == {"Emergency_Job", "Standard_Job"}
    with duckdb.connect(str(workspace.duckdb_path)) as con:
        decisions = con.execute(
            "select decision, count(*) from ledger.resolutions "
            "where run_id = ? and field = 'RecordTypeId' group by 1",
            [loaded.run_id],
        ).fetchall()
    assert dict(decisions) == {"matched": len(want)}
    assert run_reconcile(workspace, loaded.run_id).ok


def test_person_accounts_default_on_where_the_org_has_them(tmp_path, org_state, clean_env):
    """The setting's default follows the org: on where the Account describe shows IsPersonAccount."""
    from expectations.org import person_accounts_on
    from sandbox import control

    plain = connect("sandbox", settings=get_settings(sandbox_dir=org_state)).Account.describe()
    assert person_accounts_on(get_settings(), plain) is False
    state = tmp_path / "pa"
    control.up(state, which=("salesforce",), person_accounts=True)
    try:
        person = connect("sandbox", settings=get_settings(sandbox_dir=state)).Account.describe()
    finally:
        control.down(state)
    assert person_accounts_on(get_settings(), person) is True
    assert person_accounts_on(get_settings(person_accounts=False), person) is False


@pytest.mark.slow
def test_account_record_types_by_customer_type(workspace):
    """Account record types (issue 20 §3): what seed rows `Account,customer_type,Commercial,<name>` give the
    Account mart's _record_type; the schema check finds them, the loader sends their RecordTypeId."""
    _record_types(workspace.sandbox_dir, ("Commercial_Customer", True), obj="Account")
    default = {"object": "Account", "developer_name": "Other_Business", "name": "Other", "default": True}
    org_admin(workspace.sandbox_dir, "POST", "/automation/record_types", default)
    with duckdb.connect(str(workspace.duckdb_path)) as con:
        con.execute(
            """update salesforce."Account" set "_record_type" = 'Commercial_Customer'
            where not "Is_Placeholder__c" """
        )
        want = dict(
            con.execute(
                """select "Dispatch_Pro_Id__c", "_record_type" from salesforce."Account" """
            ).fetchall()
        )
    sf = connect("sandbox", settings=workspace)
    assert record_type_issues("Account", sf.Account.describe(), {"Commercial_Customer"}) == []
    loaded = run_load(workspace)
    assert loaded.status == "completed" and loaded.counts["Account"].get("failed", 0) == 0
    got = {
        r["Dispatch_Pro_Id__c"]: r["RecordType"]["DeveloperName"]
        for r in sf.query_all("SELECT Dispatch_Pro_Id__c, RecordType.DeveloperName FROM Account")["records"]
        if r["Dispatch_Pro_Id__c"] in want
    }
    # mapped customers get their record type; the placeholders (none mapped) the org's default
    assert {k for k, v in got.items() if v == "Commercial_Customer"} == {k for k, v in want.items() if v}
    assert {v for k, v in got.items() if not want[k]} == {"Other_Business"}
    assert run_reconcile(workspace, loaded.run_id).ok
