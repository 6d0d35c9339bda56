"""Sign-off of the mapping (``dp2sf map approve``) and the load gate that reads it.

An approval pins the mapping hash (``core.mapping_hash``) a person reviewed, and the sample run it was
reviewed against, in ``ledger.approvals`` of the main DuckDB:
``approved_at, approved_by, mapping_hash, sample_run_id, accepted_findings_reason``.

``run_approve`` refuses while a seed row is still ``proposed``, when no completed sample run
(``ledger.runs`` with ``kind='sample'``) exists for the current hash, and when that sample has blocking
findings (``ledger.sample_findings``) unless a reason to accept them is given.

``check_load_gate`` is called by ``loaders.load.run_load`` before it connects to any org: a full or delta run
into a real org (``settings.target == "salesforce"``) is refused unless the current hash is approved; into the
sandbox org it warns (logged, and returned for the run's message).
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from core.mapping_hash import mapping_hash
from core.settings import Settings
from mapping.propose_seeds import proposed_rows

log = logging.getLogger(__name__)

LEDGER = "ledger"
GATED_KINDS = ("full", "delta")
REAL_TARGET = "salesforce"
APPROVALS_DDL = f"""
create schema if not exists {LEDGER};
create table if not exists {LEDGER}.approvals (
    approved_at timestamp not null,
    approved_by varchar not null,
    mapping_hash varchar not null,
    sample_run_id varchar not null,
    accepted_findings_reason varchar
);
"""


class ApprovalError(RuntimeError):
    """The mapping cannot be approved, or a load is refused because it is not approved."""


@dataclass(frozen=True)
class ApprovalResult:
    """One recorded approval."""

    approved_at: datetime
    approved_by: str
    mapping_hash: str
    sample_run_id: str
    accepted_findings_reason: str | None
    blocking_findings: int


@dataclass(frozen=True)
class Gate:
    """What the load gate decided: the hash the run records, and a warning for an unapproved sandbox load."""

    mapping_hash: str
    approved: bool
    warning: str | None = None


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [LEDGER, table],
        ).fetchone()[0]
    )


def git_user(project_dir: Path) -> str | None:
    """git's ``user.name`` for the project, or None."""
    try:
        out = subprocess.run(
            ["git", "config", "user.name"], cwd=project_dir, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def sample_run_for(con: duckdb.DuckDBPyConnection, hash_: str) -> str | None:
    """The latest completed sample run of this mapping hash."""
    if not _has_table(con, "runs"):
        return None
    row = con.execute(
        f"select run_id from {LEDGER}.runs where kind = 'sample' and status = 'completed' "
        "and mapping_hash = ? order by coalesce(finished_at, started_at) desc limit 1",
        [hash_],
    ).fetchone()
    return row[0] if row else None


def blocking_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Blocking findings of a sample run, counted per kind of finding."""
    if not _has_table(con, "sample_findings"):
        return {}
    rows = con.execute(
        f"select finding, count(*) from {LEDGER}.sample_findings where run_id = ? and blocking "
        "group by finding order by 2 desc, 1",
        [run_id],
    ).fetchall()
    return dict(rows)


def approval_for(con: duckdb.DuckDBPyConnection, hash_: str) -> dict | None:
    """The latest approval of this mapping hash, or None."""
    if not _has_table(con, "approvals"):
        return None
    cur = con.execute(
        f"select * from {LEDGER}.approvals where mapping_hash = ? order by approved_at desc limit 1", [hash_]
    )
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def run_approve(
    settings: Settings, by: str | None = None, accept_findings: str | None = None, invoices: str = "custom"
) -> ApprovalResult:
    """Record the sign-off of the current mapping hash; ``ApprovalError`` says why it refuses."""
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
    hash_ = mapping_hash(settings, invoices)
    if not settings.duckdb_path.is_file():
        raise ApprovalError(f"no DuckDB at {settings.duckdb_path}: extract, transform and run `dp2sf sample`")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        sample = sample_run_for(con, hash_)
        if sample is None:
            raise ApprovalError(
                f"no completed sample run for mapping hash {hash_[:12]}: run `dp2sf sample` on this mapping "
                "and review its diff before approving"
            )
        blocking = blocking_findings(con, sample)
        if blocking and not reason:
            counts = ", ".join(f"{n} {kind}" for kind, n in blocking.items())
            raise ApprovalError(
                f"sample run {sample} has {sum(blocking.values())} blocking findings ({counts}): fix the "
                'mapping and sample again, or accept them with --accept-findings "reason"'
            )
        con.execute(APPROVALS_DDL)
        at = datetime.now(UTC).replace(tzinfo=None)
        con.execute(
            f"insert into {LEDGER}.approvals values (?, ?, ?, ?, ?)", [at, who, hash_, sample, reason]
        )
    return ApprovalResult(at, who, hash_, sample, reason, sum(blocking.values()))


def load_invoice_mode(objects: list[str]) -> str:
    """The invoice mode a load's marts were built with: order when Order is loaded and Invoice__c is not."""
    return "order" if "Order" in objects and "Invoice__c" not in objects else "custom"


def check_load_gate(
    settings: Settings,
    kind: str,
    con: duckdb.DuckDBPyConnection,
    objects: list[str],
    error: type[Exception] = ApprovalError,
) -> Gate:
    """Refuse (``error``, the caller's own error type) a full/delta load into a real org unless the current
    mapping hash is approved; warn for the sandbox org. Touches only the local DuckDB, never an org."""
    hash_ = mapping_hash(settings, load_invoice_mode(objects))
    if kind not in GATED_KINDS:
        return Gate(hash_, approved=False)
    approval = approval_for(con, hash_)
    if approval:
        return Gate(hash_, approved=True)
    message = (
        f"the mapping (hash {hash_[:12]}) is not approved: run `dp2sf sample`, review its diff, then "
        "`dp2sf map approve`"
    )
    if settings.target == REAL_TARGET:
        raise error(f"{kind} load into the real Salesforce org refused: {message}")
    warning = f"warning: {kind} load into the sandbox org with an unapproved mapping: {message}"
    log.warning(warning)
    return Gate(hash_, approved=False, warning=warning)
