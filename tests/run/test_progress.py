"""The run display: one line per stage outside a terminal, a live stage list inside one; the closing table."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from workbench.progress import Meter, RunDisplay, meter_line, object_table


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, force_terminal=terminal, width=100, color_system=None), out


def test_a_pipe_gets_one_line_per_stage_and_nothing_while_it_runs() -> None:
    console, out = _console(terminal=False)
    counter = {"n": 0}
    with RunDisplay("demo", ["extract", "load"], console) as run:
        with run.stage("extract", probe=lambda: Meter(records=counter["n"])) as st:
            counter["n"] = 1200
            assert out.getvalue() == ""  # nothing while the stage runs
            st.summary = "1,200 records"
        with pytest.raises(RuntimeError), run.stage("load"):
            raise RuntimeError("org down")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("[ 1/2] extract ok") and lines[0].endswith("1,200 records")
    assert lines[1].startswith("[ 2/2] load FAILED")
    assert run.stages["extract"].meter.records == 1200  # the last reading is kept


def test_a_terminal_gets_the_stage_list_with_the_current_one_and_its_rates() -> None:
    console, out = _console(terminal=True)
    probe = lambda: Meter(records=500, files=20, api_calls=7, allowance_left=9)  # noqa: E731
    with RunDisplay("demo", ["extract", "transform"], console) as run, run.stage("extract", probe=probe):
        console.print(run)  # what the live display draws at this moment
    text = out.getvalue()
    assert "▶" in text and "extract" in text and "transform" in text
    assert "records 500" in text and "files 20" in text and "API calls 7" in text
    assert "allowance left 9" in text


def test_meter_line_has_an_eta_only_when_the_total_is_known() -> None:
    assert "ETA 0:30" in meter_line(Meter(records=100, total=400), seconds=10.0)
    assert "ETA" not in meter_line(Meter(records=100), seconds=10.0)
    assert meter_line(Meter(), seconds=3.0) == ""


def test_a_failing_probe_never_stops_the_stage() -> None:
    console, _ = _console(terminal=True)

    def broken() -> Meter:
        raise KeyError("not there yet")

    with RunDisplay("demo", ["x"], console) as run, run.stage("x", probe=broken):
        console.print(run)
    assert run.stages["x"].status == "done"


def test_object_table_has_the_reconciliation_columns() -> None:
    console, out = _console(terminal=False)
    row = {"object": "Case", "source": 10, "loaded": 7, "quarantined": 1, "gates": 1, "skipped": 1,
           "failed": 0, "in org": 7}  # fmt: skip
    console.print(object_table([row], title="t"))
    text = out.getvalue()
    for column in ("source", "loaded", "quarantined", "gates", "skipped", "failed", "in org"):
        assert column in text
    assert "Case" in text
