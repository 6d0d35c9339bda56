"""`dp2sf demo` end to end on the tiny tier: every built stage runs on the real extract, nothing lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from sandbox import control


@pytest.fixture()
def demo_dirs(tmp_path: Path):
    dirs = {name: tmp_path / name for name in ("sandbox", "data", "build", "reports")}
    yield dirs
    control.down(dirs["sandbox"])


@pytest.mark.slow
def test_demo_runs_every_stage_on_the_real_extract(demo_dirs: dict[str, Path]) -> None:
    env = {**os.environ, **{f"DP2SF_{k.upper()}_DIR": str(v) for k, v in demo_dirs.items()}}
    env["DP2SF_GX_PROJECT_DIR"] = str(demo_dirs["build"] / "gx_project")  # never the repo's committed suites
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "demo"], env=env, capture_output=True, text=True, timeout=1500
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo complete" in result.stdout
    # the story, one line per step in a non-terminal, every step named and ok, in order
    from workbench.demo import STAGES

    steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert [line.split("] ", 1)[1].split(" ok ", 1)[0] for line in steps] == list(STAGES), steps
    assert "check passed" in steps[3] and "the org is as before the delta" in steps[14]
    assert len((result.stdout + result.stderr).splitlines()) < 60  # the whole run, as the README shows it
    assert "Traceback" not in result.stderr
    assert (demo_dirs["build"] / "manifest.csv").is_file()

    con = duckdb.connect(str(demo_dirs["data"] / "dp2sf.duckdb"), read_only=True)
    try:
        # dlt must not split a column by type (a "value__v_text" beside "value" loses data downstream)
        variants = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'raw_dispatch_pro' and column_name like '%\\_\\_v\\_%' escape '\\'"
        ).fetchall()
        assert variants == []
        # every custom-property value the source sent reaches staging as text (an empty or blank string is no
        # value: staging makes it null, dbt_project/README.md)
        raw = con.execute(
            "select count(*) from raw_dispatch_pro.jobs__custom_fields "
            r"where nullif(regexp_replace(value, '^[\s\p{Z}\x{FEFF}]+|[\s\p{Z}\x{FEFF}]+$', '', 'g'), '') "
            "is not null"
        ).fetchone()[0]
        staged = con.execute(
            "select count(*) from staging.stg_dispatch_pro__jobs__custom_fields "
            "where custom_field_value is not null"
        ).fetchone()[0]
        assert raw > 0 and staged == raw
        cases = con.execute('select count(*) from salesforce."Case"').fetchone()[0]
        jobs = con.execute("select count(*) from raw_dispatch_pro.jobs").fetchone()[0]
        held = con.execute(
            "select count(distinct source_key) from quarantine.quarantine_all where object_name = 'Case'"
        ).fetchone()[0]
        assert cases > 0 and cases + held == jobs
    finally:
        con.close()


@pytest.mark.slow
def test_demo_on_a_person_account_org_reconciles(demo_dirs: dict[str, Path]) -> None:
    """`dp2sf demo --person-accounts` (issue 20 §3): the embedded org starts with Person Accounts, every
    residential customer loads as one, the story's reconciliations add up (the demo fails otherwise), and
    lookups to a residential customer's Contact hold its person Contact."""
    from core.connection import connect
    from core.settings import get_settings

    env = {**os.environ, **{f"DP2SF_{k.upper()}_DIR": str(v) for k, v in demo_dirs.items()}}
    env["DP2SF_GX_PROJECT_DIR"] = str(demo_dirs["build"] / "gx_project")
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "demo", "--person-accounts"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    steps = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert "(Person Accounts)" in steps[0] and "as Person Accounts" in steps[4], steps
    assert "the org agrees" in steps[10] and "the org is as before the delta" in steps[14], steps

    con = duckdb.connect(str(demo_dirs["data"] / "dp2sf.duckdb"), read_only=True)
    try:
        assert con.execute("select person_accounts from salesforce.build_stamp").fetchone() == (True,)
        persons = {
            k
            for (k,) in con.execute(
                'select "Dispatch_Pro_Id__c" from salesforce."Account" where _person_account'
            ).fetchall()
        }
        residential = con.execute(
            "select count(*) from intermediate.int_customers_classified where not is_commercial"
        ).fetchone()[0]
        held = con.execute(
            "select count(distinct q.source_key) from quarantine.quarantine_all as q "
            "inner join intermediate.int_customers_classified as c on q.source_key = c.account_key "
            "where q.object_name = 'Account' and not c.is_commercial"
        ).fetchone()[0]
        # no residential Contact and no placeholder Account left in the marts
        assert (
            con.execute(
                """select count(*) from salesforce."Contact" where "Dispatch_Pro_Id__c" like 'customer:%'"""
            ).fetchone()[0]
            == 0
        )
        assert (
            con.execute(
                """select count(*) from salesforce."Account" where "Is_Placeholder__c" """
            ).fetchone()[0]
            == 0
        )
        residential_cases = dict(
            con.execute(
                """select "Dispatch_Pro_Id__c", "Contact.Dispatch_Pro_Id__c" from salesforce."Case" """
                """where "Contact.Dispatch_Pro_Id__c" like 'customer:%'"""
            ).fetchall()
        )
    finally:
        con.close()
    assert persons and len(persons) + held == residential

    sf = connect("sandbox", settings=get_settings(sandbox_dir=demo_dirs["sandbox"]))
    org = {
        r["Dispatch_Pro_Id__c"]: r
        for r in sf.query_all(
            "SELECT Dispatch_Pro_Id__c, PersonContactId, RecordType.DeveloperName, LastName, Name "
            "FROM Account WHERE IsPersonAccount = true"
        )["records"]
    }
    assert set(org) == persons  # every residential customer the mapping loads is a Person Account there
    assert {r["RecordType"]["DeveloperName"] for r in org.values()} == {"PersonAccount"}
    assert all(r["LastName"] and r["Name"].endswith(r["LastName"]) for r in org.values())
    # a residential customer's Case points at its person Contact (Case.ContactId = PersonContactId)
    cases = {
        r["Dispatch_Pro_Id__c"]: r["ContactId"]
        for r in sf.query_all("SELECT Dispatch_Pro_Id__c, ContactId FROM Case WHERE ContactId != null")[
            "records"
        ]
    }
    assert residential_cases
    for job, customer in residential_cases.items():
        if job in cases and customer in org:
            assert cases[job] == org[customer]["PersonContactId"], job
