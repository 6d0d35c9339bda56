"""``dp2sf map approve`` and the load gate: who approved which mapping hash against which sample run, and a
real-org load refused (before any connection) once a seed or a model changes the hash."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from core.mapping_hash import PARTS, mapping_hash
from core.settings import PROJECT_DIR, Settings
from core.stamp import write_build_stamp
from loaders import approval as approval_module
from loaders import load as load_module
from loaders.approval import check_load_gate
from loaders.ledger import Ledger, approval_for, approved_lineage
from loaders.load import LoadError, run_load
from mapping.propose_seeds import PROPOSED, append_proposals
from workbench.approval import ApprovalError, run_approve

ORG = "00DA0000000ORG1AAA"  # the target org's Organization Id (issue 18: an approval names its org)

FINDINGS_DDL = """
create table if not exists ledger.sample_findings (
    run_id varchar, object varchar, field varchar, external_id varchar, finding varchar,
    source_value varchar, intended_value varchar, org_value varchar, blocking boolean
)"""


LINEAGE = (
    "source_table,source_column,object,field,transformation\n"
    "customers,name,Account,Name,renamed\n"
    "customers,id,Account,Dispatch_Pro_Id__c,concatenated\n"
)


def _project(tmp_path: Path, **overrides) -> Settings:
    """A copy of the mapping files (so seeds and models can change) and a DuckDB with one small mart."""
    for part in PARTS:
        src, dst = PROJECT_DIR / part, tmp_path / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
        else:
            shutil.copy2(src, dst)
    settings = Settings(
        project_dir=tmp_path, build_dir=tmp_path / "build", data_dir=tmp_path / "data",
        reports_dir=tmp_path / "reports", sandbox_dir=tmp_path / ".sandbox", **overrides,
    )  # fmt: skip
    settings.data_dir.mkdir()
    settings.build_dir.mkdir()
    (settings.build_dir / "lineage.csv").write_text(LINEAGE, encoding="utf-8")  # as `dp2sf transform` writes
    with duckdb.connect(str(settings.duckdb_path)) as con:
        con.execute("create schema salesforce")
        con.execute(
            'create table salesforce."Account" as select \'customer:1\' as "Dispatch_Pro_Id__c", '
            "'Acme' as \"Name\""
        )
        Ledger(con)
        con.execute(FINDINGS_DDL)
        write_build_stamp(con, mapping_hash(settings), "custom")  # as `dp2sf transform` stamps its build
    return settings


def _sample(settings: Settings, findings: list[tuple[str, bool]] = (), status: str = "completed") -> str:
    """A sample run of the current hash, written per the interface (12b writes the real one)."""
    with duckdb.connect(str(settings.duckdb_path)) as con:
        ledger = Ledger(con)
        run_id = ledger.start_run("sample", "sandbox", mapping_hash(settings))
        ledger.finish_run(run_id, status)
        for i, (finding, blocking) in enumerate(findings):
            con.execute(
                "insert into ledger.sample_findings values (?, 'Case', 'Status', ?, ?, 'x', 'y', 'z', ?)",
                [run_id, f"job:{i}", finding, blocking],
            )
    return run_id


def _approvals(settings: Settings) -> list[tuple]:
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return con.execute(
            "select approved_by, mapping_hash, sample_run_id, accepted_findings_reason from ledger.approvals"
        ).fetchall()


def test_approve_records_who_the_hash_and_the_sample_run(tmp_path):
    settings = _project(tmp_path)
    run_id = _sample(settings, [("equal", False)])
    result = run_approve(settings, by="Dana Reviewer", org_id=ORG)
    assert result.sample_run_id == run_id and result.mapping_hash == mapping_hash(settings)
    assert _approvals(settings) == [("Dana Reviewer", mapping_hash(settings), run_id, None)]


def test_the_approval_keeps_the_lineage_it_signed(tmp_path):
    settings = _project(tmp_path)
    _sample(settings)
    result = run_approve(settings, by="Dana Reviewer", org_id=ORG)
    # the model changes after the sign-off: today's lineage loses an edge, the approval still has it
    (settings.build_dir / "lineage.csv").write_text(LINEAGE.splitlines()[0] + "\n", encoding="utf-8")
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
        hash_, rows = approved_lineage(con)
    assert hash_ == result.mapping_hash
    assert [(r["source_table"], r["source_column"], r["object"], r["field"]) for r in rows] == [
        ("customers", "id", "Account", "Dispatch_Pro_Id__c"),
        ("customers", "name", "Account", "Name"),
    ]
    # without a lineage there is nothing to keep: the approval refuses
    (settings.build_dir / "lineage.csv").unlink()
    with pytest.raises(ApprovalError, match="no lineage"):
        run_approve(settings, by="Dana Reviewer", org_id=ORG)


def test_approve_refuses_without_a_completed_sample_of_this_hash(tmp_path):
    settings = _project(tmp_path)
    with pytest.raises(ApprovalError, match="no completed sample run"):
        run_approve(settings, by="Dana")
    _sample(settings, status="failed")
    with pytest.raises(ApprovalError, match="no completed sample run"):
        run_approve(settings, by="Dana")
    _sample(settings)
    seed = settings.project_dir / "dbt_project/seeds/map_job_status.csv"
    seed.write_text(seed.read_text() + "OnSite,Working,,a new status,approved\n")
    with pytest.raises(ApprovalError, match="no completed sample run"):  # the sample was of the old hash
        run_approve(settings, by="Dana")


def test_approve_refuses_blocking_findings_unless_accepted_with_a_reason(tmp_path):
    settings = _project(tmp_path)
    run_id = _sample(settings, [("mismatch", True), ("truncated", True), ("changed_by_org", False)])
    with pytest.raises(ApprovalError, match=r"2 blocking findings \(1 mismatch, 1 truncated\)"):
        run_approve(settings, by="Dana")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        assert not con.execute(
            "select count(*) from information_schema.tables where table_name = 'approvals'"
        ).fetchone()[0]
    result = run_approve(
        settings, by="Dana", accept_findings="truncation of notes agreed with the customer", org_id=ORG
    )
    assert result.blocking_findings == 2
    assert _approvals(settings) == [
        ("Dana", mapping_hash(settings), run_id, "truncation of notes agreed with the customer")
    ]


def test_approve_refuses_while_a_seed_row_is_proposed(tmp_path):
    settings = _project(tmp_path)
    _sample(settings)
    seed = settings.project_dir / "dbt_project/seeds/map_job_status.csv"
    append_proposals(seed, ["source_status"], [{"source_status": "OnSite", "case_status": "Working"}])
    assert seed.read_text().rstrip().endswith(PROPOSED)
    with pytest.raises(ApprovalError, match=r"1 seed rows are still proposed \(map_job_status.csv:\d+\)"):
        run_approve(settings, by="Dana")


def test_approve_cli_exits_non_zero_with_the_reason(tmp_path, monkeypatch):
    from workbench.cli import app

    settings = _project(tmp_path)
    for name in ("project_dir", "data_dir", "build_dir"):
        monkeypatch.setenv(f"DP2SF_{name.upper()}", str(getattr(settings, name)))
    runner = CliRunner()
    refused = runner.invoke(app, ["map", "approve", "--by", "Dana"])
    assert refused.exit_code == 1 and "no completed sample run" in refused.output
    _sample(settings)
    import workbench.approval

    monkeypatch.setattr(workbench.approval, "target_org_id", lambda settings, target=None: ORG)  # no org here
    ok = runner.invoke(app, ["map", "approve", "--by", "Dana"])
    assert ok.exit_code == 0, ok.output
    assert "approved" in ok.output and mapping_hash(settings)[:12] in ok.output and ORG in ok.output


def test_the_gate_refuses_a_real_org_load_once_a_seed_or_a_model_changes(tmp_path, monkeypatch):
    settings = _project(tmp_path, target="salesforce")
    connections = []

    def tripwire(settings, target=None):  # records that the loader reached for an org, then stops it
        connections.append(target or settings.target)
        raise ConnectionError("tripwire: no org in this test")

    monkeypatch.setattr(load_module, "org_client", tripwire)
    monkeypatch.setattr(approval_module, "target_org_id", lambda settings, target=None: ORG)
    with pytest.raises(LoadError, match="refused: the mapping .* is not approved"):
        run_load(settings, kind="full")
    assert connections == []

    _sample(settings)
    run_approve(settings, by="Dana", org_id=ORG)
    with pytest.raises(LoadError, match="cannot connect to the salesforce org: tripwire"):
        run_load(settings, kind="full")  # approved: the gate lets it through to the connection
    assert connections == ["salesforce"]

    seeds = settings.project_dir / "dbt_project/seeds/map_job_priority.csv"
    approved_hash = mapping_hash(settings)
    seeds.write_text(seeds.read_text().replace("Deferred,Low,", "Deferred,Medium,"))
    assert mapping_hash(settings) != approved_hash
    for kind in ("full", "delta"):
        with pytest.raises(LoadError, match=f"{kind} load into the real Salesforce org refused"):
            run_load(settings, kind=kind)
    assert connections == ["salesforce"]

    seeds.write_text(seeds.read_text().replace("Deferred,Medium,", "Deferred,Low,"))
    assert mapping_hash(settings) == approved_hash
    model = next((settings.project_dir / "dbt_project/models/marts").glob("Case.sql"))
    model.write_text(model.read_text() + "\n-- a reviewed change\n")
    with pytest.raises(LoadError, match="refused"):
        run_load(settings, kind="full")
    assert connections == ["salesforce"]
    with duckdb.connect(str(settings.duckdb_path)) as con:  # refused (and unconnected) loads start no run
        assert (
            con.execute("select count(*) from ledger.runs where kind in ('full', 'delta')").fetchone()[0] == 0
        )


def test_the_gate_warns_for_the_sandbox_org(tmp_path, caplog):
    settings = _project(tmp_path)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        gate = check_load_gate(settings, "full", con, ["Account"])
        assert not gate.approved and "unapproved mapping" in gate.warning
        assert approval_for(con, gate.mapping_hash) is None
    assert "unapproved mapping" in caplog.text
    _sample(settings)
    run_approve(settings, by="Dana", org_id=ORG)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        gate = check_load_gate(settings, "full", con, ["Account"], org_id=ORG)
    assert gate.approved and gate.warning is None


@pytest.mark.slow
def test_an_unapproved_sandbox_load_runs_with_the_warning_in_its_run_message(workspace):
    """End to end on the loader's tiny-tier workspace (real sandbox org over HTTPS): the run completes, the
    ledger records the mapping hash and the warning."""
    result = run_load(workspace)
    assert result.status == "completed" and "unapproved mapping" in result.message
    with duckdb.connect(str(workspace.duckdb_path), read_only=True) as con:
        run = con.execute(
            "select mapping_hash, message from ledger.runs where run_id = ?", [result.run_id]
        ).fetchone()
    assert run[0] == mapping_hash(workspace) and "unapproved mapping" in run[1]
