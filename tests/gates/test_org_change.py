"""An admin shortens a field and removes a picklist value in the org (through its deploy path): the
regenerated suite changes and holds back rows that ``dbt build`` had passed."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
import requests

from core.fields import load_field_list
from expectations.context import open_context, suite_rules
from expectations.validate import ValidateError, run_validate
from mapping.manifest import render_metadata
from tests.build_cache import private_copy


def _deploy(settings, files: dict[str, str]) -> None:
    org = json.loads(settings.endpoints_file.read_text())["salesforce"]
    session = requests.Session()
    session.trust_env = False
    r = session.post(
        f"{org['admin_url']}/metadata/deploy",
        json={"files": files},
        headers={"X-Admin-Token": org["admin_token"]},
        verify=org["ca_cert"],
        timeout=120,
    )
    assert r.status_code == 200 and r.json()["success"], r.text[:500]


def _rows(path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_shortened_field_and_removed_picklist_value_hold_rows_back(built, tmp_path) -> None:
    settings = private_copy(built, tmp_path)
    run_validate(settings, refresh=True, data_docs=False)
    path = settings.duckdb_path
    longest = _rows(path, 'select max(length(Job_Type__c)) from salesforce."Case"')[0][0]
    short = longest - 1
    value = _rows(
        path,
        'select Lead_Quality__c, count(*) from salesforce."Case" where Lead_Quality__c is not null '
        "group by 1 order by 2 desc, 1 limit 1",
    )[0][0]
    original = render_metadata(load_field_list(), "custom")
    length_file = "objects/Case/fields/Job_Type__c.field-meta.xml"
    pick_file = "objects/Case/fields/Lead_Quality__c.field-meta.xml"
    changed = {
        length_file: re.sub(r"<length>\d+</length>", f"<length>{short}</length>", original[length_file]),
        pick_file: re.sub(
            rf"\s*<value>\s*<fullName>{re.escape(value)}</fullName>.*?</value>",
            "",
            original[pick_file],
            count=1,
            flags=re.S,
        ),
    }
    assert changed[length_file] != original[length_file] and changed[pick_file] != original[pick_file]
    _deploy(settings, changed)
    try:
        with pytest.raises(ValidateError, match="Case"):
            run_validate(settings, data_docs=False)  # suites generated before the change are stale
        run_validate(settings, refresh=True, data_docs=False)
        rules = {(r.rule, r.field): r for r in suite_rules(open_context(settings.gx_project_dir), "Case")}
        assert rules[("too_long", "Job_Type__c")].kwargs["max_value"] == short
        assert value not in rules[("invalid_picklist", "Lead_Quality__c")].kwargs["value_set"]
        too_long = {
            r[0]
            for r in _rows(
                path,
                'select Dispatch_Pro_Id__c from salesforce."Case" where length(Job_Type__c) > ?',
                [short],
            )
        }
        removed = {
            r[0]
            for r in _rows(
                path, 'select Dispatch_Pro_Id__c from salesforce."Case" where Lead_Quality__c = ?', [value]
            )
        }
        held = _rows(
            path, "select source_key, rule, column_name from gates.gates_all where object_name = 'Case'"
        )
        assert {k for k, r, c in held if (r, c) == ("too_long", "Job_Type__c")} == too_long != set()
        assert (
            {k for k, r, c in held if (r, c) == ("invalid_picklist", "Lead_Quality__c")} == removed != set()
        )
        # dbt build had passed them: they are in the mart, not in the quarantine
        quarantined = {r[0] for r in _rows(path, "select source_key from quarantine.quarantine_all")}
        assert (too_long | removed).isdisjoint(quarantined)
    finally:
        _deploy(settings, {length_file: original[length_file], pick_file: original[pick_file]})
