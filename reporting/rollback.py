"""The rollback report (``reports/<rollback run>/rollback.html``): display logic over ``rollback.json`` and
the ledger.

Per object: what the undone run created and updated, against what the rollback deleted, restored, left
alone because someone changed it in the org after the run (reported, not overwritten), and failed to undo
(with Salesforce's error). ``not_settled`` is what the rollback has not reached yet (resume continues it).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

OUTCOMES = ["deleted", "restored", "left_alone", "failed"]
GONE_NOTE = "already deleted (cascade)"


def load_result(run_dir: str | Path) -> dict:
    """``rollback.json`` of a rollback run directory (written by ``dp2sf rollback``)."""
    path = Path(run_dir) / "rollback.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `dp2sf rollback <run>` first")
    return json.loads(path.read_text(encoding="utf-8"))


def per_object(con: duckdb.DuckDBPyConnection, rollback_run: str, target_run: str) -> pd.DataFrame:
    """One row per object: created/updated by the target run, and each rollback outcome."""
    cols = ["object", "created_by_run", "updated_by_run", *OUTCOMES, "of_which_cascade", "not_settled"]
    frame = con.execute(
        f"""
        with target as (
            select object_name, count(*) filter (where action = 'created') as created_by_run,
                count(*) filter (where action = 'updated') as updated_by_run
            from ledger.run_outcomes where run_id = ? and sf_id is not null
            group by 1
        ),
        undo as (
            select object_name,
                count(*) filter (where action = 'deleted') as deleted,
                count(*) filter (where action = 'restored') as restored,
                count(*) filter (where action = 'skipped') as left_alone,
                count(*) filter (where action = 'failed') as failed,
                count(*) filter (where action = 'deleted' and (error_code is not null
                    or error_message like '{GONE_NOTE}%')) as of_which_cascade
            from ledger.run_outcomes where run_id = ?
            group by 1
        )
        select coalesce(t.object_name, u.object_name) as object,
            coalesce(created_by_run, 0) as created_by_run, coalesce(updated_by_run, 0) as updated_by_run,
            coalesce(deleted, 0) as deleted, coalesce(restored, 0) as restored,
            coalesce(left_alone, 0) as left_alone, coalesce(failed, 0) as failed,
            coalesce(of_which_cascade, 0) as of_which_cascade
        from target as t full outer join undo as u using (object_name)
        order by object
        """,
        [target_run, rollback_run],
    ).df()
    frame["not_settled"] = (
        frame["created_by_run"]
        + frame["updated_by_run"]
        - frame[["deleted", "restored", "left_alone", "failed"]].sum(axis=1)
    ).clip(lower=0)
    return frame[cols]


def left_alone(result: dict) -> pd.DataFrame:
    """Records changed in the org after the run: reported, not overwritten (``--force`` undoes them)."""
    cols = ["object", "source_key", "sf_id", "last_modified", "by"]
    return pd.DataFrame([{c: r.get(c) for c in cols} for r in result.get("conflicts", [])], columns=cols)


def failures(con: duckdb.DuckDBPyConnection, rollback_run: str) -> pd.DataFrame:
    """Records the rollback could not undo, with Salesforce's error."""
    return con.execute(
        """
        select object_name as object, source_key, sf_id, error_code as code, error_message as message
        from ledger.run_outcomes where run_id = ? and action = 'failed'
        order by object, source_key
        """,
        [rollback_run],
    ).df()


def verdict_text(frame: pd.DataFrame, status: str) -> tuple[bool, str]:
    """(ok, sentence): ok when every record the run wrote was deleted or restored."""
    undone = int(frame["deleted"].sum() + frame["restored"].sum())
    written = int(frame["created_by_run"].sum() + frame["updated_by_run"].sum())
    alone, failed, open_ = (int(frame[c].sum()) for c in ("left_alone", "failed", "not_settled"))
    ok = status == "completed" and alone == 0 and failed == 0 and open_ == 0
    text = (
        f"{undone:,} of {written:,} records the run wrote are undone; {alone:,} left alone (changed in the "
        f"org since), {failed:,} failed, {open_:,} not reached (rollback {status})"
    )
    return ok, text
