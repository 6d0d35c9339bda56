"""The reconciliation report (``reports/<run>/reconciliation.html``): display logic over what
``dp2sf reconcile`` wrote (``reconciliation.json``) and the ledger of the run.

Each function turns that into one table; ``notebooks/reconciliation.ipynb`` only shows them, and pytest tests
them. The equation per object: **source = loaded + quarantined + held by gates + skipped + failed**; beside
it, per field (``loaders/reconcile_fields.py``): **source values = in the org + flagged + in held-back
records + declared**.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from core.settings import Settings

PARTS = ["loaded", "quarantined", "gates", "skipped", "failed"]


def load_result(run_dir: str | Path) -> dict:
    """``reconciliation.json`` of a run directory (written by ``dp2sf reconcile``)."""
    path = Path(run_dir) / "reconciliation.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `dp2sf reconcile --run <run>` first")
    return json.loads(path.read_text(encoding="utf-8"))


def _frames(result: dict):
    from reporting.frames import reconciliation_frames  # the loader's one reading of its JSON

    return reconciliation_frames(result)


def equation(result: dict) -> pd.DataFrame:
    """Per object: source and its parts, the sum, whether it holds, and the keys with no outcome."""
    s = _frames(result).summary
    out = s[["object", "source", *PARTS]].copy()
    out["sum_of_parts"] = s[PARTS].sum(axis=1)
    out["no_outcome"] = s["unaccounted"]
    out["holds"] = s["equation_holds"].astype(bool)
    return out.reset_index(drop=True)


def org_counts(result: dict) -> pd.DataFrame:
    """Per object: what the run loaded against what the org holds, and the three kinds of disagreement."""
    s = _frames(result).summary.rename(columns={"id_mismatch": "id_differs"})
    cols = ["object", "loaded", "in_org", "missing_in_org", "unexpected_in_org", "id_differs", "ok"]
    return s[cols].reset_index(drop=True)


PROBLEMS = {
    "unaccounted": "no outcome in the ledger",
    "missing_in_org": "loaded, missing in the org",
    "unexpected_in_org": "in the org, not loaded by the run",
    "id_mismatch": "org id differs from the ledger's",
}


def missing_ids(result: dict) -> pd.DataFrame:
    """Every source key with a problem: no outcome, loaded but missing in the org, unexpected, id differs."""
    keys = _frames(result).keys
    out = pd.DataFrame(
        {"object": keys["object"], "source_key": keys["key"], "problem": keys["issue"].map(PROBLEMS)}
    )
    return out.reset_index(drop=True)


def sample_summary(result: dict) -> pd.DataFrame:
    frames = _frames(result)
    by_object = frames.field_mismatches.groupby("object")["key"]
    out = frames.summary[["object", "sampled", "field_mismatches"]].rename(
        columns={"field_mismatches": "fields_differing"}
    )
    out["records_differing"] = out["object"].map(by_object.nunique()).fillna(0).astype(int)
    return out.reset_index(drop=True)


def field_mismatches(result: dict) -> pd.DataFrame:
    """One row per sampled field whose org value differs from the mart's (long: ``field`` names it)."""
    frame = _frames(result).field_mismatches.rename(columns={"key": "source_key"})
    return frame[["object", "source_key", "field", "source", "org"]].reset_index(drop=True)


def orphans(result: dict) -> pd.DataFrame:
    return _frames(result).orphans[["object", "lookup", "orphans"]].reset_index(drop=True)


def total_mismatches(result: dict) -> pd.DataFrame:
    return _frames(result).totals[["object", "case", "source", "org"]].reset_index(drop=True)


def checksum_mismatches(result: dict) -> pd.DataFrame:
    frame = _frames(result).checksums.rename(columns={"key": "source_key"})
    for col in ("source_key", "source_md5", "org_md5"):
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="object")
    return frame[["object", "source_key", "source_md5", "org_md5"]].reset_index(drop=True)


def open_ledger(settings: Settings) -> duckdb.DuckDBPyConnection | None:
    """The DuckDB read-only (None when it is absent); a report never writes to it."""
    if not settings.duckdb_path.is_file():
        return None
    return duckdb.connect(str(settings.duckdb_path), read_only=True)


def outcome_reasons(con: duckdb.DuckDBPyConnection | None, run_id: str) -> pd.DataFrame:
    """Per object, action and code, how many records were not loaded, with one example message."""
    cols = ["object", "action", "code", "records", "example_key", "example_message"]
    if con is None:
        return pd.DataFrame(columns=cols)
    return con.execute(
        """
        select object_name as object, action, coalesce(error_code, '') as code, count(*) as records,
            min(source_key) as example_key, any_value(error_message) as example_message
        from ledger.run_outcomes
        where run_id = ? and action in ('skipped', 'failed')
        group by all order by object, action, code
        """,
        [run_id],
    ).df()[cols]


def line_item_context(con: duckdb.DuckDBPyConnection | None, run_id: str) -> dict:
    """How many loaded line items, on how many Cases, for how much (what the to-the-cent check covered)."""
    if con is None:
        return {}
    try:
        row = _line_item_row(con, run_id)
    except duckdb.CatalogException:  # no Line_Item__c mart in this build
        return {}
    return {"line_items": row[0], "cases": row[1], "total": float(row[2])}


def _line_item_row(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple:
    return con.execute(
        """
        select count(*), count(distinct m."Case__r.Dispatch_Pro_Id__c"), coalesce(sum(m."Total__c"), 0)
        from salesforce."Line_Item__c" as m
        inner join ledger.run_outcomes as o on o.source_key = m."Dispatch_Pro_Id__c"
        where o.run_id = ? and o.object_name = 'Line_Item__c'
            and o.action in ('created', 'updated', 'unchanged')
        """,
        [run_id],
    ).fetchall()[0]


def file_context(result: dict) -> int:
    """Files the checksum check covered (loaded ContentVersions)."""
    return sum(o["loaded"] for o in result["objects"] if o["name"] == "ContentVersion")


FIELD_PARTS = ["in_org", "flagged", "held_back", "declared"]


def field_equation(result: dict) -> pd.DataFrame:
    """Per renamed, cast or value-mapped edge (``source table.column → object.field``): **source values =
    in the org + flagged + in held-back records + declared**, the dropped rest, whether it holds (worst
    first). Empty for a JSON written before the per-field reconciliation."""
    cols = ["object", "field", "source", "transformation", "source_values", *FIELD_PARTS, "dropped",
            "holds", "problem", "dropped_examples"]  # fmt: skip
    fields = (result.get("fields") or {}).get("fields") or []
    if not fields:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(fields)
    frame["source_values"] = frame["source"]
    frame["source"] = frame["source_table"] + "." + frame["source_column"]
    frame["holds"] = frame["ok"].astype(bool)
    frame["problem"] = [
        "; ".join(
            p
            for p, on in (
                ("approved edge gone from build/lineage.csv", r.lost_edge),
                ("not traced to the records", not r.traced),
                (f"{r.dropped} dropped", r.dropped > 0),
            )
            if on
        )
        for r in frame.itertuples()
    ]
    frame["dropped_examples"] = frame["dropped_examples"].map(lambda keys: ", ".join(keys[:5]))
    return frame[cols].sort_values(["holds", "object", "field"]).reset_index(drop=True)


def derived_fields(result: dict) -> pd.DataFrame:
    """Derived and concatenated fields with their inputs (not counted: their value is not the source's)."""
    cols = ["object", "field", "inputs", "transformation"]
    derived = (result.get("fields") or {}).get("derived") or []
    if not derived:
        return pd.DataFrame(columns=cols)
    frame = pd.DataFrame(derived)
    frame["inputs"] = frame["source_table"] + "." + frame["source_column"]
    grouped = frame.groupby(["object", "field"], as_index=False).agg(
        inputs=("inputs", lambda s: ", ".join(sorted(set(s)))),
        transformation=("transformation", lambda s: ", ".join(sorted(set(s)))),
    )
    return grouped[cols]
