"""Benchmark the per-field reconciliation beside the load's wall time (issue 17: aim under half of it).

Builds the marts at a scale in its own sandbox (extract → inventory → schema deploy → transform), loads them
into a reset org (``run_load``), then times ``run_field_reconciliation`` on that run: one Bulk API 2.0 query
per object for every record (not a sample) and the raw-side counting in DuckDB. Appends a row to
``bench/results/reconcile_fields.md``: records loaded, load wall s, edges counted, source values, Bulk
queries, reconciliation wall s (Bulk part and DuckDB part), the share of the load's time, dropped values.

    python bench/reconcile_fields.py --scale S
    python bench/reconcile_fields.py --scale S --work /tmp/bench_rf_S --keep   # re-run with --skip-build
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
RESULTS = PROJECT_DIR / "bench" / "results" / "reconcile_fields.md"
HEADER = (
    "| date | scale | records loaded | load wall s | edges counted | source values | Bulk queries | "
    "reconcile s | of which Bulk s | share of load | dropped | note |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
)


def settings_for(work: Path, scale: str):
    from core.settings import get_settings

    return get_settings(
        sandbox_dir=work / "sandbox", data_dir=work / "data", build_dir=work / "build",
        reports_dir=work / "reports", sandbox_scale=scale,
    )  # fmt: skip


def build(work: Path, scale: str, seed: int) -> None:
    from dlt_pipelines.pipeline import run_extract
    from mapping.inventory import run_inventory
    from mapping.transform import run_transform

    s = settings_for(work, scale)
    run_extract(s, full=True)
    run_inventory(s)
    run_transform(s, docs=False)


def measure(work: Path, scale: str) -> dict:
    """Load on a reset org, then the per-field reconciliation of that run; Bulk time measured apart."""
    import loaders.reconcile_fields as rf
    from core.connection import org_client
    from loaders.load import make_plan, open_db, run_load
    from mapping.schema_deploy import deploy_to_sandbox
    from tests.loader.helpers import Admin

    s = settings_for(work, scale)
    Admin.of(s.sandbox_dir).reset()
    deploy_to_sandbox(s)
    started = time.perf_counter()
    load = run_load(s)
    load_s = time.perf_counter() - started
    records = sum(sum(c.values()) for c in load.counts.values())
    bulk = {"s": 0.0}
    original = rf.query_to_csv

    def timed(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            bulk["s"] += time.perf_counter() - t

    rf.query_to_csv = timed  # the benchmark's stopwatch around the Bulk query, not a stand-in
    con = open_db(s)
    try:
        started = time.perf_counter()
        result = rf.run_field_reconciliation(s, con, org_client(s), load.run_id, make_plan(s, con))
        seconds = time.perf_counter() - started
    finally:
        con.close()
        rf.query_to_csv = original
    return {
        "records": records,
        "load_s": load_s,
        "edges": len(result.fields),
        "values": sum(f.source for f in result.fields),
        "queries": result.bulk_queries,
        "seconds": seconds,
        "bulk_s": bulk["s"],
        "dropped": sum(f.dropped for f in result.fields),
        "problems": result.problems(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="S", choices=["tiny", "S", "M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    from sandbox import control

    work = args.work or Path(tempfile.mkdtemp(prefix=f"bench_rf_{args.scale}_"))
    try:
        control.up(work / "sandbox", seed=args.seed, scale=args.scale)
        if not args.skip_build:
            build(work, args.scale, args.seed)
        m = measure(work, args.scale)
    finally:
        control.down(work / "sandbox")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    share = m["seconds"] / m["load_s"] if m["load_s"] else 0.0
    row = (
        f"| {dt.date.today()} | {args.scale} | {m['records']:,} | {m['load_s']:.1f} | {m['edges']} | "
        f"{m['values']:,} | {m['queries']} | {m['seconds']:.1f} | {m['bulk_s']:.1f} | {share:.0%} | "
        f"{m['dropped']:,} | {args.note or platform.node() + ', shared 2-core machine'} |\n"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Per-field reconciliation beside the load\n\n" + HEADER)
    with RESULTS.open("a") as fh:
        fh.write(row)
    print(row, end="")
    for p in m["problems"][:10]:
        print("  ", p)


if __name__ == "__main__":
    main()
