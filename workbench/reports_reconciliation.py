"""The reconciliation report (``reports/<run>/reconciliation.html``): display logic over what
``dp2sf reconcile`` wrote (``reconciliation.json``) and the ledger of the run.

Each function turns that into one table; ``notebooks/reconciliation.ipynb`` only shows them, and pytest tests
them. The equation per object: **source = loaded + quarantined + held by gates + skipped + failed**.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd

from workbench.settings import Settings

PARTS = ["loaded", "quarantined", "gates", "skipped", "failed"]


def load_result(run_dir: str | Path) -> dict:
    """``reconciliation.json`` of a run directory (written by ``dp2sf reconcile``)."""
    path = Path(run_dir) / "reconciliation.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run `dp2sf reconcile --run <run>` first")
    return json.loads(path.read_text(encoding="utf-8"))


def equation(result: dict) -> pd.DataFrame:
    """Per object: source and its parts, the sum, whether it holds, and the keys with no outcome."""
    rows = []
    for o in result["objects"]:
        parts = sum(o[p] for p in PARTS)
        rows.append(
            {
                "object": o["name"],
                "source": o["source"],
                **{p: o[p] for p in PARTS},
                "sum_of_parts": parts,
                "no_outcome": len(o["unaccounted"]),
                "holds": o["source"] == parts and not o["unaccounted"],
            }
        )
    return pd.DataFrame(rows, columns=["object", "source", *PARTS, "sum_of_parts", "no_outcome", "holds"])


def org_counts(result: dict) -> pd.DataFrame:
    """Per object: what the run loaded against what the org holds, and the three kinds of disagreement."""
    rows = [
        {
            "object": o["name"],
            "loaded": o["loaded"],
            "in_org": o["in_org"],
            "missing_in_org": len(o["missing_in_org"]),
            "unexpected_in_org": len(o["unexpected_in_org"]),
            "id_differs": len(o["id_mismatch"]),
            "ok": o["ok"],
        }
        for o in result["objects"]
    ]
    cols = ["object", "loaded", "in_org", "missing_in_org", "unexpected_in_org", "id_differs", "ok"]
    return pd.DataFrame(rows, columns=cols)


def missing_ids(result: dict) -> pd.DataFrame:
    """Every source key with a problem: no outcome, loaded but missing in the org, unexpected, id differs."""
    kinds = {
        "unaccounted": "no outcome in the ledger",
        "missing_in_org": "loaded, missing in the org",
        "unexpected_in_org": "in the org, not loaded by the run",
        "id_mismatch": "org id differs from the ledger's",
    }
    rows = [
        {"object": o["name"], "source_key": key, "problem": text}
        for o in result["objects"]
        for kind, text in kinds.items()
        for key in o[kind]
    ]
    return pd.DataFrame(rows, columns=["object", "source_key", "problem"])


def sample_summary(result: dict) -> pd.DataFrame:
    rows = [
        {
            "object": o["name"],
            "sampled": o["sampled"],
            "fields_differing": len(o["field_mismatches"]),
            "records_differing": len({m["key"] for m in o["field_mismatches"]}),
        }
        for o in result["objects"]
    ]
    return pd.DataFrame(rows, columns=["object", "sampled", "fields_differing", "records_differing"])


def field_mismatches(result: dict) -> pd.DataFrame:
    """One row per sampled field whose org value differs from the mart's (long: ``field`` names it)."""
    rows = [
        {"object": o["name"], "source_key": m["key"], "field": m["field"], "source": m["source"],
         "org": m["org"]}
        for o in result["objects"]
        for m in o["field_mismatches"]
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["object", "source_key", "field", "source", "org"])


def orphans(result: dict) -> pd.DataFrame:
    rows = [
        {"object": o["name"], "lookup": f, "orphans": n}
        for o in result["objects"]
        for f, n in o["orphans"].items()
    ]
    return pd.DataFrame(rows, columns=["object", "lookup", "orphans"])


def total_mismatches(result: dict) -> pd.DataFrame:
    rows = [
        {"object": o["name"], "case": m["case"], "source": m["source"], "org": m["org"]}
        for o in result["objects"]
        for m in o["total_mismatches"]
    ]
    return pd.DataFrame(rows, columns=["object", "case", "source", "org"])


def checksum_mismatches(result: dict) -> pd.DataFrame:
    rows = [
        {"object": o["name"], "source_key": m["key"], "source_md5": m["source_md5"], "org_md5": m["org_md5"]}
        for o in result["objects"]
        for m in o["checksum_mismatches"]
    ]
    return pd.DataFrame(rows, columns=["object", "source_key", "source_md5", "org_md5"])


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
        from ledger.operations
        where run_id = ? and pass = 1 and action in ('skipped', 'failed')
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
        inner join ledger.operations as o on o.source_key = m."Dispatch_Pro_Id__c"
        where o.run_id = ? and o.object_name = 'Line_Item__c' and o.pass = 1
            and o.action in ('created', 'updated', 'unchanged')
        """,
        [run_id],
    ).fetchall()[0]


def file_context(result: dict) -> int:
    """Files the checksum check covered (loaded ContentVersions)."""
    return sum(o["loaded"] for o in result["objects"] if o["name"] == "ContentVersion")
