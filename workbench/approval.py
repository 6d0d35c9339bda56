"""``dp2sf map approve``: the sign-off of the mapping hash a person reviewed against its sample run.

``run_approve`` refuses while a seed row is still ``proposed``, when no completed sample run exists for the
current hash, and when that sample has blocking findings unless a reason to accept them is given. The
approval keeps the lineage it signed (``build/lineage.csv`` then, in ``ledger.approved_lineage``): an edge
that disappears since is a blocking finding of the sample diff and the reconciliation. An approval names the
target org (its Organization Id, read from the org: ``loaders.approval.target_org_id``), the sample run and
who signed, and whether a person (``map approve``) or ``dp2sf demo`` signed. The approval row is written
through the ledger (``loaders.ledger.record_approval``); the gate that reads it is
``loaders.approval.check_load_gate``.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.mapping_hash import mapping_hash
from core.settings import Settings
from core.stamp import read_build_stamp
from loaders.approval import ApprovalError, target_org_id
from loaders.ledger import blocking_findings, record_approval, record_approved_lineage, sample_run_for
from loaders.sample_source import read_lineage_rows
from mapping.propose_seeds import proposed_rows

__all__ = ["ApprovalError", "ApprovalResult", "git_user", "run_approve"]


@dataclass(frozen=True)
class ApprovalResult:
    """One recorded approval."""

    approved_at: datetime
    approved_by: str
    mapping_hash: str
    sample_run_id: str
    accepted_findings_reason: str | None
    blocking_findings: int
    org_id: str = ""
    signed_via: str = "map approve"


def git_user(project_dir: Path) -> str | None:
    """git's ``user.name`` for the project, or None."""
    try:
        out = subprocess.run(
            ["git", "config", "user.name"], cwd=project_dir, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def run_approve(
    settings: Settings,
    by: str | None = None,
    accept_findings: str | None = None,
    org_id: str | None = None,
    signed_via: str = "map approve",
) -> ApprovalResult:
    """Record the sign-off of the working tree's mapping hash, which a completed sample ran and the marts
    were built from (their build stamp), for the target org (``org_id``, else read from the org);
    ``signed_via="demo"`` marks the demo's own sign-off, which no real-org load accepts. ``ApprovalError``
    says why it refuses."""
    pending = proposed_rows(settings.project_dir / "dbt_project" / "seeds")
    if pending:
        listed = "; ".join(f"{p.seed}:{p.line}" for p in pending[:10])
        more = f" and {len(pending) - 10} more" if len(pending) > 10 else ""
        raise ApprovalError(
            f"{len(pending)} seed rows are still proposed ({listed}{more}): set each to approved or delete "
            "it (see reports/<run>/mapping_review.html), run `dp2sf sample`, then approve"
        )
    who = (by or "").strip() or git_user(settings.project_dir)
    if not who:
        raise ApprovalError("who approves? pass --by NAME (git's user.name is not set)")
    reason = (accept_findings or "").strip() or None
    if not settings.duckdb_path.is_file():
        raise ApprovalError(f"no DuckDB at {settings.duckdb_path}: extract, transform and run `dp2sf sample`")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        stamp = read_build_stamp(con)
        hash_ = mapping_hash(
            settings, stamp.invoices if stamp else "custom", bool(stamp and stamp.person_accounts)
        )
        sample = sample_run_for(con, hash_)
        if sample is None:
            raise ApprovalError(
                f"no completed sample run for mapping hash {hash_[:12]}: run `dp2sf sample` on this mapping "
                "and review its diff before approving"
            )
        if stamp is None or stamp.mapping_hash != hash_:
            raise ApprovalError(
                f"the marts were not built from this mapping (hash {hash_[:12]}): run `dp2sf transform`, so "
                "what is approved is what loads"
            )
        blocking = blocking_findings(con, sample)
        if blocking and not reason:
            counts = ", ".join(f"{n} {kind}" for kind, n in blocking.items())
            raise ApprovalError(
                f"sample run {sample} has {sum(blocking.values())} blocking findings ({counts}): fix the "
                'mapping and sample again, or accept them with --accept-findings "reason"'
            )
        org = org_id or target_org_id(settings)
        at = datetime.now(UTC).replace(tzinfo=None)
        lineage = read_lineage_rows(Path(settings.build_dir) / "lineage.csv")
        if not lineage:
            raise ApprovalError(
                f"no lineage at {settings.build_dir}/lineage.csv: run `dp2sf transform`, so the approval "
                "keeps the lineage it signs (an edge lost since is a blocking finding)"
            )
        record_approval(con, at, who, hash_, sample, reason, org, signed_via)
        record_approved_lineage(con, at, hash_, lineage)
    return ApprovalResult(at, who, hash_, sample, reason, sum(blocking.values()), org, signed_via)
