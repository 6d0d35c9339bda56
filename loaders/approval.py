"""The load gate: a full or delta load runs only on an approved mapping (``dp2sf map approve``,
``workbench/approval.py``, writes the approval through the ledger).

An approval pins the mapping hash (``core.mapping_hash``) a person reviewed, the sample run it was reviewed
against, and the org it is for, in ``ledger.approvals`` of the main DuckDB:
``approved_at, approved_by, mapping_hash, sample_run_id, accepted_findings_reason, org_id, signed_via``.
``org_id`` is the target org's Organization Id, read from the org itself (``target_org_id``) when the
approval is signed; ``signed_via`` is ``map approve`` or ``demo``.

``check_load_gate`` is called by ``loaders.load.run_load`` before the loader connects: a full or delta run
into a real org (``settings.target == "salesforce"``) is refused unless the current hash is approved for that
org (its Organization Id, read by one SOQL query when an approval of the hash exists) by a person, never by
``dp2sf demo``; into the sandbox org it warns (logged, and returned for the run's message).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb

from core.connection import sf_client
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


def target_org_id(settings: Settings, target: str | None = None) -> str:
    """The Organization Id of the ``target`` org (default ``settings.target``), read from the org."""
    try:
        rows = sf_client(settings, target).query("SELECT Id FROM Organization LIMIT 1")["records"]
    except Exception as exc:  # noqa: BLE001 - any failure: the caller refuses or warns with this line
        raise ApprovalError(
            f"cannot read the Organization Id of the {target or settings.target} org: {type(exc).__name__}"
        ) from None
    if not rows:
        raise ApprovalError(f"the {target or settings.target} org returned no Organization record")
    return str(rows[0]["Id"])


def check_load_gate(
    settings: Settings,
    kind: str,
    con: duckdb.DuckDBPyConnection,
    objects: list[str],
    error: type[Exception] = ApprovalError,
    org_id: str | None = None,
) -> Gate:
    """Refuse (``error``, the caller's own error type) a full/delta load into a real org unless the marts
    were built (their build stamp) from an approved mapping that is still the working tree's, approved for
    this org (``org_id``, else read from the org once an approval of the hash exists) and not by the demo;
    warn for the sandbox org."""
    stamp = read_build_stamp(con)
    working = mapping_hash(
        settings, stamp.invoices if stamp else "custom", bool(stamp and stamp.person_accounts)
    )
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
        real = settings.target == REAL_TARGET
        try:
            org = org_id or target_org_id(settings)
        except ApprovalError as exc:
            org, message = None, f"the mapping (hash {hash_[:12]}) is approved, but {exc}"
        if org is not None:
            if approval_for(con, hash_, org_id=org, demo=not real):
                return Gate(hash_, approved=True)
            signed = approval_for(con, hash_)
            what = "by `dp2sf demo`" if signed.get("signed_via") == "demo" else "for another org"
            message = (
                f"the mapping (hash {hash_[:12]}) is approved only {what} "
                f"(org {signed.get('org_id') or 'not recorded'}), not for org {org}: run `dp2sf sample` "
                "against this org, review its diff, then `dp2sf map approve`"
            )
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
