"""Benchmark ``dp2sf transform`` (``dbt build`` of the mapping) at a simulator scale.

Starts its own Dispatch Pro simulator in a work dir, extracts the chosen scale with the dlt pipeline, then
times ``run_transform`` (dbt build: seeds, models, contracts, data and unit tests; docs off).
Targets: M < 60 s, L < 5 min. Appends the figures, machine and date to ``bench/results/transform.md``.

    python bench/transform.py --scale S            # quick
    python bench/transform.py --scale M --keep     # keep the work dir (re-run with --skip-extract)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from core.settings import PROJECT_DIR, get_settings
from mapping.transform import run_transform
from sandbox import control

RESULTS = PROJECT_DIR / "bench" / "results" / "transform.md"
TARGETS = {"M": 60.0, "L": 300.0}


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.uname().system} {platform.uname().release}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="M", choices=["tiny", "S", "M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None, help="work dir (default: a new temp dir)")
    parser.add_argument("--skip-extract", action="store_true", help="reuse the raw data in --work")
    parser.add_argument("--keep", action="store_true", help="keep the work dir")
    parser.add_argument("--note", default="", help="a line for the results (e.g. other load on the machine)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix=f"bench_transform_{args.scale}_"))
    settings = get_settings(sandbox_dir=work / "sandbox", data_dir=work / "data", build_dir=work / "build")
    extract_seconds = None
    if not args.skip_extract:
        from dlt_pipelines.pipeline import run_extract

        control.up(settings.sandbox_dir, seed=args.seed, scale=args.scale, which=("dispatch_pro",))
        try:
            started = time.perf_counter()
            summary = run_extract(settings, full=True)
            extract_seconds = time.perf_counter() - started
            print(f"extract: {summary.records_extracted:,} records in {extract_seconds:.1f}s")
        finally:
            control.down(settings.sandbox_dir)
    result = run_transform(settings, docs=False)
    rows = sum(result.mart_rows.values())
    held = sum(result.quarantined_rows.values())
    target = TARGETS.get(args.scale)
    verdict = ""
    if target is not None:
        verdict = f" (target < {target:.0f} s: {'met' if result.seconds < target else 'MISSED'})"
    print(f"dbt build at {args.scale}: {result.seconds:.1f}s{verdict}; {result.passed} nodes passed; "
          f"{rows:,} mart rows, {held:,} quarantined")  # fmt: skip

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Transform benchmark (`dbt build` of the mapping)\n\n")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(
            f"## scale {args.scale}, seed {args.seed} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n"
        )
        out.write(f"- machine: {machine()}\n")
        if extract_seconds is not None:
            out.write(f"- extract (context, not measured here): {extract_seconds:.1f} s\n")
        out.write(f"- dbt build: **{result.seconds:.1f} s**{verdict}, {result.passed} nodes passed\n")
        out.write(f"- mart rows: {rows:,} ({', '.join(f'{k} {v:,}' for k, v in result.mart_rows.items())})\n")
        out.write(f"- quarantined source rows: {held:,}\n")
        if args.note:
            out.write(f"- note: {args.note}\n")
        out.write("\n")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
