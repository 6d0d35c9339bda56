"""The sample diff anchored on the source: the classes a field gets from what the source held, with flags,
declarations and value maps read from a build's DuckDB (here a small one written by hand)."""

from __future__ import annotations

import duckdb
import pytest

from loaders.sample_diff import FieldSpec, is_blocking
from loaders.sample_verdict import SourceChecks, anchor, unplaced_flags


def _row(table: str, column: str, obj: str, field: str, kind: str) -> dict[str, str]:
    names = ("source_table", "source_column", "object", "field", "transformation")
    return dict(zip(names, (table, column, obj, field, kind), strict=True))


@pytest.fixture()
def checks() -> SourceChecks:
    con = duckdb.connect()
    con.execute("create schema quarantine; create schema mapping")
    con.execute(
        "create table quarantine.flagged_values as select * from (values "
        "('Case', 'job:3', 'unmapped_value', 'Status', 'Teleported', 'no mapping for this value'), "
        "('Case', 'job:3', 'no_target_field', 'Gate Code', '4711', 'custom property not in seeds')) "
        "as t(object_name, source_key, rule, column_name, value, reason)"
    )
    con.execute(
        "create table mapping.not_migrated as select * from (values ('jobs', 'no_charge', 'x')) "
        'as t("table", "column", reason)'
    )
    con.execute(
        "create table mapping.salesforce_fields as select * from (values "
        "('Case', 'Closed_Reason__c', 'seed:map_job_status.closed_reason'), "
        "('Case', 'Status', 'seed:map_job_status.case_status')) as t(object, field, picklist)"
    )
    con.execute(
        "create table mapping.map_job_status as select * from (values "
        "('Scheduled', 'New', null), ('Completed', 'Closed', 'Completed')) "
        "as t(source_status, case_status, closed_reason)"
    )
    current = [
        _row("jobs", "job_status", "Case", "Status", "value-mapped"),
        _row("jobs", "job_status", "Case", "Closed_Reason__c", "value-mapped"),
        _row("jobs", "created_on", "Case", "Source_Created_Date__c", "cast"),
    ]
    current += [
        _row("customers__contacts", "type", "Account", "Fax", "derived"),
        _row("customers__contacts", "value", "Account", "Fax", "derived"),
        _row("jobs", "summary", "Case", "Summary_Line__c", "derived"),
    ]
    approved = [*current, _row("jobs", "summary", "Case", "Description", "renamed")]
    return SourceChecks.read(con, current, approved)


def _value(field: str) -> FieldSpec:
    return FieldSpec(field, field, field, "value")


def test_a_planted_drop_is_blocking_and_its_lost_edge_too(checks: SourceChecks) -> None:
    # the model replaced Description by null: the edge is gone from today's lineage, the org field is empty
    assert [(r["object"], r["field"]) for r in checks.lost] == [("Case", "Description")]
    finding, _ = anchor(checks, "Case", "job:1", _value("Description"), "equal", "Leaking valve", None, None)
    assert finding == "dropped" and is_blocking(finding, "Description")
    assert is_blocking("lost_edge", "Description")


def test_flagged_declared_empty_and_the_value_maps_expected_form(checks: SourceChecks) -> None:
    flagged, shown = anchor(checks, "Case", "job:3", _value("Status"), "equal", "Teleported", None, None)
    assert flagged == "flagged" and "unmapped_value" in shown and is_blocking(flagged, "Status")
    # the value map documents "no closed reason" for a scheduled job: declared, not a loss
    declared, _ = anchor(
        checks, "Case", "job:1", _value("Closed_Reason__c"), "equal", "Scheduled", None, None
    )
    assert declared == "declared" and not is_blocking(declared, "Closed_Reason__c")
    # an unknown status (off every value map; the shipped seeds map Pending) leaves no closed reason and
    # nothing flags it: dropped
    unknown = anchor(checks, "Case", "job:9", _value("Closed_Reason__c"), "equal", "Teleported", None, None)
    assert unknown[0] == "dropped"
    # where the same source value is flagged on Status (same raw column), Closed_Reason__c shows that flag
    sibling, shown = anchor(
        checks, "Case", "job:3", _value("Closed_Reason__c"), "equal", "Teleported", None, None
    )
    assert sibling == "flagged" and shown.endswith("(on Case.Status)")
    # the org holds what the mart says, but not what the seed gives for the source value
    wrong, shown = anchor(checks, "Case", "job:2", _value("Status"), "equal", "Completed", "New", "New")
    assert wrong == "mismatch" and "Closed" in shown
    assert anchor(checks, "Case", "job:2", _value("Status"), "equal", "Completed", "Closed", "Closed")[0] == (
        "equal"
    )
    # equal only where the source had a value
    assert anchor(checks, "Case", "job:2", _value("Subject"), "equal", None, None, None)[0] == "empty"
    assert anchor(checks, "Case", "job:2", _value("Origin"), "equal", None, "Web", "Web")[0] == (
        "set_by_mapping"
    )
    # a derived field choosing among rows (a fax among contact methods) is empty where none qualifies...
    fax = anchor(checks, "Account", "customer:1", _value("Fax"), "equal", "type=Phone; value=555", None, None)
    assert fax[0] == "filtered" and not is_blocking("filtered", "Fax")
    # a field fed only by a table of several rows per record takes one of them (a Case's appointments)
    checks.many.add(("Case", "appointments"))
    checks.edges[("Case", "Arrival_Window_End__c")] = [("appointments", "arrival_window_end", "cast")]
    window = anchor(
        checks, "Case", "job:1", _value("Arrival_Window_End__c"), "equal", "2025-01-02", None, None
    )
    assert window[0] == "filtered"
    # ...but a derived field of one input must give a value for a non-null input, or a flag
    one = anchor(checks, "Case", "job:1", _value("Summary_Line__c"), "equal", "Leaking valve", None, None)
    assert one[0] == "dropped"
    # a record derived from a source row (an image inside a note) does not carry every value of its row
    image = anchor(
        checks, "Case", "inline:note:7:1", _value("Source_Created_Date__c"), "equal", "2025", None, None
    )
    assert image[0] == "filtered"
    assert anchor(checks, "Case", "job:7", _value("Source_Created_Date__c"), "equal", "2025", None, None)[
        0
    ] == ("dropped")
    # lookups keep the mart-vs-org class
    lookup = FieldSpec("Account.Dispatch_Pro_Id__c", "Account.Dispatch_Pro_Id__c", "x", "lookup")
    assert anchor(checks, "Case", "job:2", lookup, "unresolved_lookup", "customer:1", "customer:1", None)[
        0
    ] == ("unresolved_lookup")


def test_the_unseeded_custom_property_is_listed_though_no_field_compares_it(checks: SourceChecks) -> None:
    compared = {("Case", "job:3", "Status")}
    assert unplaced_flags(checks, compared) == [
        ("Case", "job:3", "Gate Code", "4711", "flagged no_target_field: custom property not in seeds")
    ]


def test_the_values_that_did_not_arrive_are_summed_per_field() -> None:
    import pandas as pd

    from loaders.sample_diff import not_arrived

    findings = pd.DataFrame(
        [
            ("Contact", "MailingLatitude", "customer:1", "dropped", "40.1", None, None, True),
            ("Contact", "MailingLatitude", "customer:2", "dropped", "40.2", None, None, True),
            ("Contact", "MailingLatitude", "(lineage)", "lost_edge", "customers.address__latitude", "cast",
             "edge gone", True),
            ("Case", "Status", "job:3", "flagged", "Teleported", None, "flagged unmapped_value: none", True),
            ("Case", "Subject", "job:3", "equal", "x", "x", "x", False),
        ],
        columns=["object", "field", "external_id", "finding", "source_value", "intended_value", "org_value",
                 "blocking"],
    )  # fmt: skip
    table = not_arrived(findings)
    assert list(table["finding"]) == ["dropped", "lost_edge", "flagged"]
    assert table.iloc[0]["records"] == 2 and table.iloc[0]["blocking"]
    assert table.iloc[2]["org_or_reason"].startswith("flagged unmapped_value")


def test_a_value_through_a_proposed_seed_row_is_shown_as_proposed_and_blocks() -> None:
    """Issue 17 §3: a proposed row is used by the build and shown as proposed in the sample diff."""
    con = duckdb.connect()
    con.execute("create schema quarantine; create schema mapping")
    con.execute(
        "create table mapping.salesforce_fields as select * from (values "
        "('Case', 'Status', 'seed:map_job_status.case_status')) as t(object, field, picklist)"
    )
    con.execute(
        "create table mapping.map_job_status as select * from (values "
        "('Scheduled', 'New', 'approved'), ('Parked', 'On Hold', 'proposed')) "
        "as t(source_status, case_status, status)"
    )
    con.execute(
        "create table mapping.custom_fields as select * from (values "
        "('job', 'Gate Code', 'Case', 'Gate_Code__c', 'proposed'), "
        "('job', 'Warranty Claim #', 'Case', 'Warranty_Claim__c', 'approved')) "
        "as t(source_entity, source_name, object, api_name, status)"
    )
    current = [
        _row("jobs", "job_status", "Case", "Status", "value-mapped"),
        _row("jobs__custom_fields", "value", "Case", "Gate_Code__c", "renamed"),
        _row("jobs__custom_fields", "value", "Case", "Warranty_Claim__c", "renamed"),
    ]
    checks = SourceChecks.read(con, current, current)
    parked, shown = anchor(checks, "Case", "job:1", _value("Status"), "equal", "Parked", "On Hold", "On Hold")
    assert parked == "proposed" and is_blocking(parked, "Status")
    assert shown == "On Hold (proposed: map_job_status.csv row Parked → On Hold)"
    approved = anchor(checks, "Case", "job:2", _value("Status"), "equal", "Scheduled", "New", "New")
    assert approved == ("equal", None)
    gate, shown = anchor(checks, "Case", "job:1", _value("Gate_Code__c"), "equal", "4711", "4711", "4711")
    assert gate == "proposed" and "custom_fields.csv row job 'Gate Code'" in shown
    claim = anchor(checks, "Case", "job:1", _value("Warranty_Claim__c"), "equal", "W-1", "W-1", "W-1")
    assert claim == ("equal", None)
    # a proposal that did not arrive is what the org shows, not "proposed"
    assert anchor(checks, "Case", "job:1", _value("Status"), "mismatch", "Parked", "On Hold", "New")[0] == (
        "mismatch"
    )
