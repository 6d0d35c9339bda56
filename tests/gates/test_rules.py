"""Every rule generated from the live org's describe: a seeded bad row is caught, a good row passes.

The suites come from the sandbox org (over HTTPS) after the tiny tier's schema deploy, and run through the
same checkpoint code as ``dp2sf validate`` (an ephemeral GX context, one expectation per suite here).
"""

from __future__ import annotations

import re

import duckdb
import great_expectations as gx
import pandas as pd
import pytest

from expectations.context import checkpoint_name, quiet, save_object_rules
from expectations.org import ValidationRule, read_org_metadata
from expectations.suites import UPSERT_KEY, ObjectRules, Rule, generate_rules
from expectations.validate import ObjectOutcome, mart_columns, validate_frame

# one worker runs this file (make test: --dist loadgroup): its module fixture is built once
pytestmark = pytest.mark.xdist_group("rules")


def _good_bad(rule: Rule) -> tuple[object, object]:
    """A value that passes the rule and one that breaks it."""
    kw = rule.kwargs
    if rule.rule == "too_long":
        return "a" * kw["max_value"], "a" * (kw["max_value"] + 1)
    if rule.rule in ("invalid_picklist", "unlisted_picklist_value"):
        return kw["value_set"][0], "Not An Org Value"
    if rule.rule == "number_too_large":
        whole = int(re.search(r"\{0,(\d+)\}", kw["regex"]).group(1))
        decimals = "" if kw["regex"].endswith(f"{{0,{whole}}}$") else ".5"  # int fields take no decimals
        return ("9" * whole or "0") + decimals, "1" + "0" * whole
    if rule.rule == "number_rounded":
        found = re.search(r"\{0,(\d+)\}", kw["regex"])
        scale = int(found.group(1)) if found else 0
        return "1." + "5" * scale, "1." + "5" * (scale + 1)
    if rule.rule == "invalid_email":
        return "ana.ruiz@example.com", "ana.ruiz@example"
    if rule.rule == "phone_format":
        return "(555) 123-4567 x12", "call the office"
    if rule.rule == "date_out_of_range":
        return "2024-05-01 08:30:00", "0001-02-25"
    if rule.rule in ("missing_required", "missing_upsert_key"):
        return "x", None
    if rule.rule in ("missing_field", "not_writable", "missing_object"):
        return None, "x"
    raise AssertionError(f"no seeded values for rule {rule.rule}")


def _run_one(context, obj: str, rule: Rule, frame: pd.DataFrame) -> tuple[list, list, list, ObjectOutcome]:
    save_object_rules(context, ObjectRules(obj, "test", [rule]))
    outcome, held, warned = ObjectOutcome(), [], []
    errors = validate_frame(
        context.checkpoints.get(checkpoint_name(obj)), obj, [rule], frame, outcome, held, warned
    )
    return held, warned, errors, outcome


@pytest.fixture(scope="module")
def generated(built) -> dict[str, ObjectRules]:
    with duckdb.connect(str(built.duckdb_path), read_only=True) as con:
        objects = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'salesforce'"
            ).fetchall()
        ]
        columns = mart_columns(con, objects)
    org = read_org_metadata(built, list(columns))
    return {
        o: generate_rules(o, org.describes[o], cols, "fp", org.validation_rules)
        for o, cols in columns.items()
    }


def test_the_suites_cover_every_kind_of_rule_the_issue_names(generated) -> None:
    kinds = {r.rule for rules in generated.values() for r in rules.rules}
    assert {
        "too_long",
        "invalid_picklist",
        "missing_required",
        "number_too_large",
        "number_rounded",
        "invalid_email",
        "phone_format",
        "date_out_of_range",
        "duplicate_external_id",
    } <= kinds
    # facts of the org's describe, not of the seeds
    case = {(r.rule, r.field): r for r in generated["Case"].rules}
    assert case[("too_long", "Source_Job_Number__c")].kwargs["max_value"] == 40
    jsh = {(r.rule, r.field) for r in generated["Job_Status_History__c"].rules}
    assert {("missing_required", "Case__c"), ("missing_required", "To_Status__c")} <= jsh


def test_each_generated_rule_catches_a_bad_row_and_passes_a_good_one(generated) -> None:
    context = quiet(gx.get_context(mode="ephemeral"))
    checked = 0
    for obj, rules in generated.items():
        for rule in rules.rules:
            if rule.derived:
                continue  # derived columns: test_derived_rules below
            if rule.rule == "duplicate_external_id":
                frame = pd.DataFrame({UPSERT_KEY: ["k:good", "k:bad1", "k:bad2"]})
                frame[rule.column] = (
                    ["v1", "dup", "dup"] if rule.column != UPSERT_KEY else ["v1", "dup", "dup"]
                )
                if rule.column == UPSERT_KEY:
                    frame[UPSERT_KEY] = ["k:good", "k:dup", "k:dup"]
                bad_keys = {"k:dup"} if rule.column == UPSERT_KEY else {"k:bad1", "k:bad2"}
            else:
                good, bad = _good_bad(rule)
                keys = ["k:good", "k:bad"]
                frame = pd.DataFrame({UPSERT_KEY: keys})
                if rule.column == UPSERT_KEY:
                    frame[UPSERT_KEY] = [good if good != "x" else "k:good", bad]
                    bad_keys = {bad}
                else:
                    frame[rule.column] = pd.Series([good, bad], dtype=object)
                    bad_keys = {"k:bad"}
            held, warned, errors, outcome = _run_one(context, obj, rule, frame)
            assert errors == [], (obj, rule.rule, errors)
            rows = held if rule.blocking else warned
            other = warned if rule.blocking else held
            assert other == []
            assert {r[1] for r in rows} == bad_keys, (obj, rule.rule, rule.field, rows)
            assert all(r[2] == rule.rule and r[5] == rule.reason and r[5] for r in rows)
            counts = outcome.failures if rule.blocking else outcome.warnings
            assert counts == {rule.rule: len(rows)}
            checked += 1
    assert checked > 150


def test_derived_rules_required_from_helper_columns_and_validation_rules() -> None:
    """A required field fed by several helper columns, and a validation rule in the formula subset."""
    described = {
        "fields": [
            {
                "name": UPSERT_KEY,
                "type": "string",
                "length": 64,
                "nillable": True,
                "createable": True,
                "externalId": True,
                "unique": True,
            },
            {
                "name": "VersionData",
                "type": "base64",
                "nillable": False,
                "createable": True,
                "defaultedOnCreate": False,
            },
            {"name": "Phone__c", "type": "phone", "length": 40, "nillable": True, "createable": True},
        ]
    }
    rule = ValidationRule(
        "ContentVersion",
        "Phone_Ten_Digits",
        "AND(NOT(ISBLANK(Phone__c)), LEN(Phone__c) < 10)",
        "Phone needs ten digits",
    )
    outside = ValidationRule("ContentVersion", "Uses_Vlookup", "VLOOKUP(a, b, c)", "x")
    cols = [UPSERT_KEY, "Phone__c", "_local_path", "_content_text"]
    rules = generate_rules("ContentVersion", described, cols, "fp", [rule, outside])
    assert any("Uses_Vlookup" in n for n in rules.notes)
    derived = [r for r in rules.rules if r.derived]
    assert {r.rule for r in derived} == {"missing_required", "validation_rule:Phone_Ten_Digits"}
    frame = pd.DataFrame(
        {
            UPSERT_KEY: ["f:1", "f:2", "f:3", "f:4"],
            "Phone__c": ["5551234567", "555", None, "5551234567"],
            "_local_path": ["a/b", None, "c/d", None],
            "_content_text": [None, "text", None, None],
        }
    )
    context = quiet(gx.get_context(mode="ephemeral"))
    save_object_rules(context, ObjectRules("ContentVersion", "fp", derived))
    outcome, held, warned = ObjectOutcome(), [], []
    errors = validate_frame(
        context.checkpoints.get("gates_ContentVersion"),
        "ContentVersion",
        derived,
        frame,
        outcome,
        held,
        warned,
    )
    assert errors == []
    assert sorted((r[1], r[2]) for r in held) == [
        ("f:2", "validation_rule:Phone_Ten_Digits"),
        ("f:4", "missing_required"),
    ]
