"""The load gate: a full or delta load runs only on an approved mapping (``dp2sf map approve``,
``workbench/approval.py``, writes the approval through the ledger).

An approval pins the mapping hash (``core.mapping_hash``) a person reviewed, and the sample run it was
reviewed against, in ``ledger.approvals`` of the main DuckDB:
``approved_at, approved_by, mapping_hash, sample_run_id, accepted_findings_reason``.

``check_load_gate`` is called by ``loaders.load.run_load`` before it connects to any org: a full or delta run
into a real org (``settings.target == "salesforce"``) is refused unless the current hash is approved; into the
sandbox org it warns (logged, and returned for the run's message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from core.errors import Dp2sfError
from core.mapping_hash import mapping_hash
from core.settings import Settings
from core.stamp import read_build_stamp
from loaders.ledger import approval_for

log = logging.getLogger(__name__)

GATED_KINDS = ("full", "delta")
REAL_TARGET = "salesforce"


class ApprovalError(Dp2sfError):
    """The mapping cannot be approved, or a load is refused because it is not approved."""


@dataclass(frozen=True)
class Gate:
    """What the load gate decided: the hash the run records, and a warning for an unapproved sandbox load."""

    mapping_hash: str
    approved: bool
    warning: str | None = None


def check_load_gate(
    settings: Settings,
    kind: str,
    con: duckdb.DuckDBPyConnection,
    objects: list[str],
    error: type[Exception] = ApprovalError,
) -> Gate:
    """Refuse (``error``, the caller's own error type) a full/delta load into a real org unless the marts
    were built (their build stamp) from an approved mapping that is still the working tree's; warn for the
    sandbox org. Touches only the local DuckDB, never an org."""
    stamp = read_build_stamp(con)
    working = mapping_hash(settings, stamp.invoices if stamp else "custom")
    hash_ = stamp.mapping_hash if stamp else working
    if kind not in GATED_KINDS:
        return Gate(hash_, approved=False)
    if stamp is None:
        message = "the marts carry no build stamp (not built by `dp2sf transform`): run `dp2sf transform`"
    elif stamp.mapping_hash != working:
        message = (
            f"the mapping changed since the marts were built (built from {hash_[:12]}, the working tree is "
            f"{working[:12]}): run `dp2sf transform`, `dp2sf sample`, then `dp2sf map approve`"
        )
    elif approval_for(con, hash_):
        return Gate(hash_, approved=True)
    else:
        message = (
            f"the mapping (hash {hash_[:12]}) is not approved: run `dp2sf sample`, review its diff, then "
            "`dp2sf map approve`"
        )
    if settings.target == REAL_TARGET:
        raise error(f"{kind} load into the real Salesforce org refused: {message}")
    warning = f"warning: {kind} load into the sandbox org with an unapproved mapping: {message}"
    log.warning(warning)
    return Gate(hash_, approved=False, warning=warning)
