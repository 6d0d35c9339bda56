"""``run_validate`` end to end on a copy of the tiny tier: seeded bad rows are held back in gates.gates_all
with rule and reason, the counts equal the failures, a mart change makes the suites stale."""

from __future__ import annotations

import duckdb
import pytest

from expectations.validate import GATE_COLUMNS, ValidateError, run_validate
from tests.build_cache import private_copy


def _rows(path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def _gates(path) -> set[tuple]:
    return {tuple(r) for r in _rows(path, "select object_name, source_key, rule from gates.gates_all")}


def _first_keys(con, obj: str, n: int, avoid: set[str]) -> list[str]:
    keys = [
        r[0] for r in con.execute(f'select Dispatch_Pro_Id__c from salesforce."{obj}" order by 1').fetchall()
    ]
    return [k for k in keys if k not in avoid][:n]


def test_validate_holds_back_seeded_rows_with_rule_and_reason(built, tmp_path) -> None:
    settings = private_copy(built, tmp_path)
    baseline = run_validate(settings, refresh=True, data_docs=False)
    assert baseline.regenerated and baseline.data_docs is None
    before = _gates(settings.duckdb_path)
    avoid = {k for _, k, _ in before}
    with duckdb.connect(str(settings.duckdb_path)) as con:
        case, contact, jsh = (
            _first_keys(con, o, 2, avoid) for o in ("Case", "Contact", "Job_Status_History__c")
        )
        event, inv, skill = (_first_keys(con, o, 2, avoid) for o in ("Event", "Invoice__c", "Skill__c"))
        loc, line = _first_keys(con, "Location__c", 1, avoid), _first_keys(con, "Line_Item__c", 1, avoid)
        seeds = [
            ('"Case"', "Source_Job_Number__c = repeat('9', 41)", case[0]),
            ('"Case"', "Lead_Quality__c = 'Not A Value'", case[1]),
            ("Contact", "Email = 'broken@nowhere'", contact[0]),
            ("Job_Status_History__c", "To_Status__c = null", jsh[0]),
            ("Event", "StartDateTime = timestamp '1650-01-01 10:00:00'", event[0]),
            ("Invoice__c", "Total__c = 123456789012345.00", inv[0]),
            ("Skill__c", f"Dispatch_Pro_Id__c = '{skill[1]}'", skill[0]),
            ("Line_Item__c", "Quantity__c = 1.123456", line[0]),
        ]
        for table, change, key in seeds:
            con.execute(f"update salesforce.{table} set {change} where Dispatch_Pro_Id__c = ?", [key])
        con.execute('alter table salesforce.Location__c add column "Not_In_Org__c" varchar')
        con.execute("update salesforce.Location__c set Not_In_Org__c = 'x' where Dispatch_Pro_Id__c = ?", loc)
    with pytest.raises(ValidateError, match="--refresh"):
        run_validate(settings)  # the Location__c mart changed since its suite was generated
    result = run_validate(settings, refresh=True)
    expected = {
        ("Case", case[0], "too_long"),
        ("Case", case[1], "invalid_picklist"),
        ("Contact", contact[0], "invalid_email"),
        ("Job_Status_History__c", jsh[0], "missing_required"),
        ("Event", event[0], "date_out_of_range"),
        ("Invoice__c", inv[0], "number_too_large"),
        ("Skill__c", skill[1], "duplicate_external_id"),  # both rows now carry skill[1]
        ("Location__c", loc[0], "missing_field"),
    }
    after = _gates(settings.duckdb_path)
    assert after - before == expected
    assert before <= after
    warnings = _rows(settings.duckdb_path, "select object_name, source_key, rule from gates.gates_warnings")
    assert ("Line_Item__c", line[0], "number_rounded") in warnings
    assert ("Line_Item__c", line[0], "number_rounded") not in after  # a warning is reported only
    # rule and reason on every row, the value that broke it where there is one
    rows = _rows(
        settings.duckdb_path,
        "select * from gates.gates_all where source_key = ?".replace("?", f"'{case[0]}'"),
    )
    assert rows == [
        (
            "Case",
            case[0],
            "too_long",
            "Source_Job_Number__c",
            "9" * 41,
            "longer than the 40 characters Case.Source_Job_Number__c holds in the org (never cut)",
        )
    ]
    assert all(
        r[3] for r in _rows(settings.duckdb_path, "select reason from gates.gates_all") for r in [r * 4]
    )
    # counts equal the failures
    total = _rows(settings.duckdb_path, "select count(*) from gates.gates_all")[0][0]
    assert total == result.gates_rows == sum(sum(o.failures.values()) for o in result.objects.values())
    for obj, outcome in result.objects.items():
        held = _rows(
            settings.duckdb_path,
            f"select count(distinct source_key) from gates.gates_all where object_name = '{obj}'",
        )
        assert held[0][0] == outcome.held, obj
    # the same columns as quarantine.quarantine_all
    cols = _rows(
        settings.duckdb_path,
        "select table_name, column_name from information_schema.columns "
        "where (table_schema, table_name) in (('gates', 'gates_all'), ('quarantine', 'quarantine_all')) "
        "order by ordinal_position",
    )
    assert (
        [c for t, c in cols if t == "gates_all"]
        == [c for t, c in cols if t == "quarantine_all"]
        == GATE_COLUMNS
    )
    assert (settings.reports_dir / result.run_id / "data_docs" / "index.html").is_file()
