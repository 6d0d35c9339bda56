"""A Bulk job's result files settle its chunk set-wise (``read_results`` → ``Ledger.settle_chunk``): the
three result sets as Salesforce writes them (successfulResults with sf__Id/sf__Created, failedResults with
sf__Error ``CODE:message:fields --``, unprocessedrecords; Bulk API 2.0 "Get Job Successful Record Results" and
the failed/unprocessed pages), joined to the pending rows in SQL."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from core.quoting import sql_literal
from loaders.bulk import read_results, split_error
from loaders.ledger import Ledger

KEY = "Dispatch_Pro_Id__c"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture()
def chunk(tmp_path: Path):
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    ledger = Ledger(con)
    run_id = ledger.start_run("full", "sandbox", "h")
    rows = [
        ("c-1", "h1", None, None),  # created
        ("c-2", "h2", json.dumps({"Name": "before"}), "003000000000002"),  # updated: keeps its image
        ("c-3", "h3", None, None),  # validation error
        ("c-4", "h4", None, None),  # row lock: retried unless final
        ("c-5", "h5", None, None),  # unprocessed
        ("c-6", "h6", None, None),  # no result line at all
        ("c-7", "h7", None, None),  # error text without a code
    ]
    values = ", ".join(
        "(" + ", ".join("null" if v is None else sql_literal(v) for v in r) + ")" for r in rows
    )
    ledger.add_pending_select(run_id, "Contact", 1, 1, f"select * from (values {values})")
    success = _write(
        tmp_path / "ok.csv",
        f'"sf__Id","sf__Created","{KEY}","LastName"\n'
        f'"003000000000001","true","c-1","A"\n"003000000000002","false","c-2","B"\n'
        f'"003000000000099","true","not-in-chunk","Z"\n',
    )
    failed = _write(
        tmp_path / "failed.csv",
        f'"sf__Id","sf__Error","{KEY}","LastName"\n'
        f'"","REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --","c-3",""\n'
        f'"","UNABLE_TO_LOCK_ROW:unable to obtain exclusive access to this record:--","c-4","D"\n'
        f'"","something broke, no code","c-7","G"\n'
        f'"","DUPLICATE_VALUE:a second line for a key already answered:--","c-1","A"\n',
    )
    unprocessed = _write(tmp_path / "unprocessed.csv", f'"{KEY}","LastName"\n"c-5","E"\n')
    files = {"successfulResults": success, "failedResults": failed, "unprocessedrecords": unprocessed}
    yield ledger, run_id, read_results(files, KEY, "InternalServerError")
    con.close()


def _ops(ledger: Ledger, run_id: str) -> dict[str, dict]:
    return {r["source_key"]: r for r in ledger.operations(run_id, "Contact")}


def test_results_settle_set_wise_as_the_python_split_reads_them(chunk) -> None:
    ledger, run_id, results = chunk
    settled, retried = ledger.settle_chunk(
        run_id, "Contact", 1, 1, "750x", results, {"UNABLE_TO_LOCK_ROW", "UNPROCESSED"}, None
    )
    ops = _ops(ledger, run_id)
    assert (settled, retried) == (4, 2)
    assert set(ops) == {"c-1", "c-2", "c-3", "c-7"}  # c-4, c-5 go out again; c-6 waits: no job failure
    assert ops["c-1"]["action"] == "created" and ops["c-1"]["sf_id"] == "003000000000001"
    assert ops["c-1"]["error_code"] is None  # the successful line wins over a stray failed one
    assert ops["c-2"]["action"] == "updated" and json.loads(ops["c-2"]["before_image"]) == {"Name": "before"}
    assert ops["c-2"]["content_hash"] == "h2" and ops["c-2"]["job_id"] == "750x"
    text = "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --"
    assert (ops["c-3"]["error_code"], ops["c-3"]["error_message"]) == split_error(text)
    assert (ops["c-7"]["error_code"], ops["c-7"]["error_message"]) == split_error("something broke, no code")
    assert ops["c-3"]["action"] == "failed" and ops["c-3"]["before_image"] is None


def test_the_final_try_settles_every_row_and_a_failed_job_names_the_unanswered(chunk) -> None:
    ledger, run_id, results = chunk
    settled, retried = ledger.settle_chunk(
        run_id, "Contact", 1, 1, "750x", results, set(), "InternalServerError"
    )
    ops = _ops(ledger, run_id)
    assert (settled, retried) == (7, 0)
    assert ops["c-4"]["error_code"] == "UNABLE_TO_LOCK_ROW"
    assert (ops["c-5"]["error_code"], ops["c-5"]["error_message"]) == ("UNPROCESSED", "InternalServerError")
    assert (ops["c-6"]["error_code"], ops["c-6"]["error_message"]) == ("JOB_FAILED", "InternalServerError")
    assert "not-in-chunk" not in ops
    # settling again (a resumed run reading the same job) adds nothing
    assert ledger.settle_chunk(run_id, "Contact", 1, 1, "750x", results, set(), "x") == (0, 0)
    assert len(ledger.operations(run_id, "Contact")) == 7


def test_a_run_keeps_the_objects_it_was_asked_for_and_a_resume_widens_them(tmp_path: Path) -> None:
    """``dp2sf load --object A``: the run covers A; a resume for B, A and B; one for every object, all."""
    ledger = Ledger(duckdb.connect(str(tmp_path / "runs.duckdb")))
    every = ledger.start_run("full", "sandbox", "h")
    some = ledger.start_run("full", "sandbox", "h", objects=["Contact", "Account"])
    assert ledger.run_objects(every) is None and ledger.run_objects(some) == ["Account", "Contact"]
    ledger.widen_run_objects(some, ["Case", "Account"])
    assert ledger.run_objects(some) == ["Account", "Case", "Contact"]
    ledger.widen_run_objects(some, None)
    assert ledger.run_objects(some) is None
    ledger.widen_run_objects(some, ["Case"])  # every object stays every object
    assert ledger.run_objects(some) is None
