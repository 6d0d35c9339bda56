"""Rows the loader does not send, recorded as skipped with their reason: held back by dbt's quarantine or
the gates, or children of a parent this run held back or saw fail."""

from __future__ import annotations

import duckdb

from core.quoting import sql_ident
from loaders.ledger import Ledger
from loaders.plan import EXTERNAL_ID, MART_SCHEMA, ObjectPlan


def gates_sql(con: duckdb.DuckDBPyConnection) -> str | None:
    """Rows held back by the gates: ``gates.gates_all`` (blocking failures, quarantine_all's columns), when
    ``dp2sf validate`` has run; ``gates.gates_warnings`` is reported only and holds nothing back."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'gates' and table_name = 'gates_all'"
    ).fetchone()[0]
    return "select object_name, source_key, reason from gates.gates_all" if found else None


def record_skips(con: duckdb.DuckDBPyConnection, ledger: Ledger, run_id: str, obj: str) -> None:
    """Rows dbt's quarantine or the gates held back: skipped, with their reasons."""
    led, run = ledger, run_id
    led.record_select(
        run,
        obj,
        1,
        "select source_key, 'skipped' as action, null as sf_id, null as content_hash, "
        "'QUARANTINED' as error_code, string_agg(rule || ' (' || column_name || '): ' || reason, '; ' "
        "order by rule) as error_message from quarantine.quarantine_all where object_name = ? "
        "group by source_key",
        [obj],
    )
    gates = gates_sql(con)
    if gates:
        led.record_select(
            run,
            obj,
            1,
            "select source_key, 'skipped' as action, null as sf_id, null as content_hash, "
            "'HELD_BY_GATES' as error_code, string_agg(reason, '; ' order by reason) as error_message "
            f"from ({gates}) where object_name = ? group by source_key",
            [obj],
        )


def record_parent_skips(ledger: Ledger, run_id: str, plan: ObjectPlan) -> None:
    """Children of a parent this run held back (quarantine, gates) or saw fail are skipped with the
    reason ("parent held back" / "parent failed") instead of being sent to fail in the org. A parent
    the ledger loaded in an earlier run is in the org, so its children go out; a parent missing for any
    other reason (never loaded, deleted in the org) is not known here and the child fails with
    Salesforce's error."""
    key = f"m.{sql_ident(EXTERNAL_ID)}"
    for lk in plan.lookups:
        if lk.parent == plan.name or lk.column not in plan.columns:
            continue
        ledger.record_select(
            run_id,
            plan.name,
            1,
            f"select {key} as source_key, 'skipped' as action, null as sf_id, null as content_hash, "
            "case when p.action = 'skipped' then 'PARENT_HELD_BACK' else 'PARENT_FAILED' end "
            "as error_code, case when p.action = 'skipped' then 'parent held back: ' "
            "else 'parent failed: ' end || ? || ' ' || p.source_key || ' (' || ? || '; ' || "
            "coalesce(p.error_code, '') || ': ' || coalesce(p.error_message, '') || ')' as error_message "
            f"from {MART_SCHEMA}.{sql_ident(plan.name)} as m inner join ledger.run_outcomes as p "
            f"on p.source_key = m.{sql_ident(lk.column)} and p.run_id = ? and p.object_name = ? "
            "and p.action in ('skipped', 'failed') "
            f"where m.{sql_ident(lk.column)} not in (select source_key from "
            f"({ledger.last_loaded_sql(lk.parent)})) "
            f"qualify row_number() over (partition by {key} order by p.source_key) = 1",
            [lk.parent, lk.field, run_id, lk.parent],
        )
