"""An approval names the target org (its Organization Id), the sample run and who signed; the gate accepts
only an approval for the org being loaded, never the demo's for a real org (issue 18, finding 6)."""

from __future__ import annotations

import duckdb
import pytest

from loaders.approval import ApprovalError, check_load_gate, target_org_id
from tests.review.test_approval import _project, _sample
from workbench.approval import run_approve

ORG_A, ORG_B = "00DA0000000AAAAAAA", "00DB0000000BBBBBBB"


def _gate(settings, org_id: str):
    with duckdb.connect(str(settings.duckdb_path)) as con:
        return check_load_gate(settings, "full", con, ["Account"], org_id=org_id)


def test_the_approval_row_names_the_org_the_sample_and_the_signer(tmp_path) -> None:
    settings = _project(tmp_path)
    sample = _sample(settings)
    result = run_approve(settings, by="Dana Reviewer", org_id=ORG_A)
    assert (result.org_id, result.sample_run_id, result.approved_by) == (ORG_A, sample, "Dana Reviewer")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        row = con.execute(
            "select org_id, sample_run_id, approved_by, signed_via from ledger.approvals"
        ).fetchone()
    assert row == (ORG_A, sample, "Dana Reviewer", "map approve")


def test_a_real_org_load_needs_an_approval_for_that_org(tmp_path) -> None:
    settings = _project(tmp_path, target="salesforce")
    _sample(settings)
    run_approve(settings, by="Dana", org_id=ORG_A)
    assert _gate(settings, ORG_A).approved
    with pytest.raises(ApprovalError, match=f"not for org {ORG_B}"):
        _gate(settings, ORG_B)


def test_the_demos_sign_off_never_opens_a_real_org(tmp_path) -> None:
    settings = _project(tmp_path, target="salesforce")
    _sample(settings)
    run_approve(settings, by="dp2sf demo", org_id=ORG_A, signed_via="demo")
    with pytest.raises(ApprovalError, match="approved only by `dp2sf demo`"):
        _gate(settings, ORG_A)
    sandbox = settings.model_copy(update={"target": "sandbox"})
    assert _gate(sandbox, ORG_A).approved  # into the sandbox org the demo's own sign-off counts


def test_into_the_sandbox_an_approval_for_another_org_warns(tmp_path) -> None:
    settings = _project(tmp_path)
    _sample(settings)
    run_approve(settings, by="Dana", org_id=ORG_A)
    gate = _gate(settings, ORG_B)
    assert not gate.approved and "not for org" in gate.warning


def test_an_approval_from_before_the_org_was_recorded_opens_no_real_org(tmp_path) -> None:
    settings = _project(tmp_path, target="salesforce")
    sample = _sample(settings)
    with duckdb.connect(str(settings.duckdb_path)) as con:  # the ledger as issue 12 wrote it
        con.execute(
            "create table ledger.approvals (approved_at timestamp, approved_by varchar, "
            "mapping_hash varchar, "
            "sample_run_id varchar, accepted_findings_reason varchar)"
        )
        stamp = con.execute("select mapping_hash from salesforce.build_stamp").fetchone()[0]
        con.execute("insert into ledger.approvals values (now(), 'Dana', ?, ?, null)", [stamp, sample])
    with pytest.raises(ApprovalError, match="refused"):
        _gate(settings, ORG_A)


def test_the_org_id_is_read_from_the_org_itself(tmp_path) -> None:
    settings = _project(tmp_path, target="salesforce")
    with pytest.raises(ApprovalError, match="cannot read the Organization Id of the salesforce org"):
        target_org_id(settings)  # no credentials here: a clear line, no traceback


@pytest.mark.slow
def test_the_sandbox_orgs_organization_id(built) -> None:
    """Read over HTTPS from the running sandbox org (the shared tiny-tier fixture)."""
    org = target_org_id(built)
    assert org.startswith("00D") and len(org) in (15, 18)
