"""``dp2sf delta``: incremental extract, rebuild, then send only rows whose content hash changed.

The load compares every mart row's content hash with what the ledger last loaded for its key (and checks the
org still holds the record): equal rows are recorded ``unchanged`` and not sent, so after N source changes
exactly the N affected rows go out. Source records that became inactive follow
``settings.delta_inactive_policy``: ``flag`` (send the row: the org's Active checkbox turns false), ``leave``
(skip with the reason) or ``delete`` (delete the record in the org); the result reports them per object.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.errors import Dp2sfError
from core.settings import Settings
from core.stamp import built_invoices, built_person_accounts
from loaders.load import LoadError, LoadResult, run_load

POLICIES = ("flag", "leave", "delete")


class DeltaError(Dp2sfError):
    """The delta could not extract, rebuild or load."""


@dataclass
class DeltaResult:
    records_extracted: int
    load: LoadResult
    seconds: float


def run_delta(
    settings: Settings, extract: bool = True, transform: bool = True, org=None, files: bool = True
) -> DeltaResult:
    """Incremental extract → dbt build → load of the changed rows (a ledger run of kind ``delta``); without
    ``files``, the extract takes the tables only (like a full extract that left the files for later)."""
    if settings.delta_inactive_policy not in POLICIES:
        raise DeltaError(f"delta_inactive_policy must be one of {', '.join(POLICIES)}")
    started = time.monotonic()
    extracted = 0
    if extract:
        from dlt_pipelines.pipeline import ExtractError, run_extract

        try:
            extracted = run_extract(settings, full=False, files=files).records_extracted
        except ExtractError as exc:
            raise DeltaError(f"delta stopped in the extract (nothing loaded): {exc}") from None
    if transform:
        from mapping.transform import TransformError, run_transform

        try:
            run_transform(
                settings,
                invoices=built_invoices(settings.duckdb_path),
                docs=False,
                person_accounts=built_person_accounts(settings.duckdb_path),
            )
        except TransformError as exc:
            raise DeltaError(
                f"delta stopped in the transform (nothing loaded): {exc}; fix the mapping, then "
                "`dp2sf delta` again"
            ) from None
    try:
        # run_load continues a delta killed in its load (the same run) and refuses over an unfinished full run
        load = run_load(settings, kind="delta", org=org)
    except LoadError as exc:
        raise DeltaError(str(exc)) from exc
    return DeltaResult(extracted, load, time.monotonic() - started)
