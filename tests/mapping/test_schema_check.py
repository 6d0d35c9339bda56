"""Schema check against a sandbox org over real HTTPS: everything missing before the deploy, clean after."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.fields import load_field_list
from core.settings import get_settings
from mapping.schema_check import compare_field, run_schema_check
from mapping.schema_deploy import deploy_to_sandbox
from sandbox import control
from tests.conftest import start_sandbox
from workbench.cli import app


@pytest.fixture(scope="module")
def org_dir(tmp_path_factory) -> Path:
    state = tmp_path_factory.mktemp("schema_org")
    start_sandbox(state, ("salesforce",))
    yield state
    control.down(state)


def test_missing_before_deploy_then_clean_after(org_dir: Path, tmp_path: Path, monkeypatch) -> None:
    settings = get_settings(sandbox_dir=org_dir, build_dir=tmp_path / "build", data_dir=tmp_path / "data")
    before = run_schema_check(settings)
    assert not before.ok
    kinds = {(i.kind, i.object, i.field) for i in before.blocking}
    for custom_object in ("Location__c", "Skill__c", "Line_Item__c", "Job_Status_History__c", "Invoice__c"):
        assert ("missing_object", custom_object, "") in kinds
    assert ("missing_field", "Case", "Source_Job_Number__c") in kinds
    assert ("missing_field", "Account", "Dispatch_Pro_Id__c") in kinds
    assert not any(i.object == "Case" and i.field == "Subject" for i in before.issues), (
        "standard fields exist"
    )

    monkeypatch.setenv("DP2SF_SANDBOX_DIR", str(org_dir))
    monkeypatch.setenv("DP2SF_BUILD_DIR", str(tmp_path / "build"))
    runner = CliRunner()
    failed = runner.invoke(app, ["schema", "check"])
    assert failed.exit_code == 1 and "blocking differences" in failed.output

    outcome = deploy_to_sandbox(settings)
    assert outcome.success and outcome.components > 100
    after = run_schema_check(settings)
    assert after.ok and after.issues == [], [i.describe() for i in after.issues]
    passed = runner.invoke(app, ["schema", "check"])
    assert passed.exit_code == 0 and "schema check passed" in passed.output


def test_differences_are_listed_precisely() -> None:
    fields = {(f.object, f.name): f for f in load_field_list().fields}
    source_job = fields[("Case", "Source_Job_Number__c")]
    shorter = compare_field(source_job, {"name": "Source_Job_Number__c", "type": "string", "length": 20})
    assert [(i.kind, i.expected, i.actual, i.blocking) for i in shorter] == [("length", "40", "20", True)]
    longer = compare_field(source_job, {"name": "Source_Job_Number__c", "type": "string", "length": 80})
    assert [(i.kind, i.blocking) for i in longer] == [("length", False)]
    quality = fields[("Case", "Lead_Quality__c")]
    actual = {
        "type": "picklist",
        "restrictedPicklist": True,
        "picklistValues": [{"value": "Hot", "active": True}],
    }
    [gap] = compare_field(quality, actual)
    assert (gap.kind, gap.expected, gap.blocking) == ("picklist", "values Warm|Cold", True)
    ext = fields[("Case", "Dispatch_Pro_Id__c")]
    flags = compare_field(ext, {"type": "string", "length": 64, "externalId": False, "unique": False})
    assert {i.kind for i in flags} == {"external_id", "unique"}
    wrong_type = compare_field(fields[("Case", "SLA_Due__c")], {"type": "date"})
    assert wrong_type[0].kind == "type" and wrong_type[0].blocking
    assert compare_field(fields[("Case", "SLA_Due__c")], None)[0].kind == "missing_field"


def test_person_account_fields_are_checked_only_for_the_person_account_shape(org_dir: Path, tmp_path: Path):
    """Issue 20 §3: on a plain org the shape follows the org (no person field asked for); asked for Person
    Accounts, the check says the org has none and lists the person fields it lacks."""
    settings = get_settings(sandbox_dir=org_dir, build_dir=tmp_path / "build", data_dir=tmp_path / "data")
    plain = run_schema_check(settings)
    assert not any(i.field in ("FirstName", "PersonEmail", "IsPersonAccount") for i in plain.issues)
    person = run_schema_check(settings, person_accounts=True)
    kinds = {(i.kind, i.object, i.field) for i in person.blocking}
    assert ("person_accounts", "Account", "IsPersonAccount") in kinds
    assert {("missing_field", "Account", "FirstName"), ("missing_field", "Account", "PersonEmail")} <= kinds
    assert person.fields_checked > plain.fields_checked
