"""Delta's inactive policy for records active in the org whose source became inactive."""

from __future__ import annotations

from core.quoting import sql_ident
from loaders.bulk_ops import delete_records
from loaders.plan import EXTERNAL_ID

INACTIVE = "Dispatch_Pro_Active__c"  # the source's active flag on Account, Contact, Location__c


def apply_inactive_policy(loader, obj: str, base: str) -> None:
    """Records active in the org whose source became inactive: ``leave`` them as they are (skipped with
    the reason) or ``delete`` them (a Bulk delete; a refused delete is recorded with Salesforce's error).
    ``flag`` (the default) just sends the row, so the org's Active checkbox turns false."""
    key = f"m.{sql_ident(EXTERNAL_ID)}"
    became = (
        f"select {key} as source_key, o.{sql_ident('Id')} as sf_id, md5(to_json(m)) as content_hash {base} "
        f"where o.{sql_ident('Id')} is not null and lower(o.{sql_ident(INACTIVE)}) = 'true' "
        f"and not coalesce(m.{sql_ident(INACTIVE)}, false)"
    )
    rows = loader.con.execute(
        f"select * from ({became}) where source_key not in "
        f"({loader.ledger.done_keys_table(loader.run_id, obj, 1)})"
    ).fetchall()
    loader.inactive[obj] = len(rows)
    if not rows:
        return
    if loader.inactive_policy == "leave":
        loader.ledger.record_select(
            loader.run_id,
            obj,
            1,
            "select source_key, 'skipped' as action, sf_id, null as content_hash, 'INACTIVE_LEFT' as "
            "error_code, 'inactive in the source; left as it is in the org (inactive policy leave)' as "
            f"error_message from ({became})",
            [],
        )
        return
    delete_records(loader.org, loader.ledger, loader.run_id, obj, rows, loader.work_dir)
