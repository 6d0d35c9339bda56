"""Benchmark ``dp2sf validate``: every suite over every mart at a simulator scale (target: M < 60 s).

Builds the scale through the real stages in a work dir (sandbox up, extract, inventory, schema deploy,
transform), then runs ``run_validate`` (suites regenerated from the org's describe, one checkpoint per mart,
chunked text frames, gates tables, Data Docs) in a child process, so its wall time and peak RSS are its own.
Appends the figures, machine and date to ``bench/results/validate.md``.

    nice -n 10 python bench/validate.py --scale M --keep       # keep the work dir
    nice -n 10 python bench/validate.py --work DIR --skip-build  # re-time on a kept build
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from core.settings import PROJECT_DIR, get_settings
from sandbox import control

RESULTS = PROJECT_DIR / "bench" / "results" / "validate.md"
TARGETS = {"M": 60.0}
CHILD = """
import json, sys, time
from core.settings import get_settings
from expectations.validate import run_validate
work = sys.argv[1]
s = get_settings(sandbox_dir=f"{work}/sandbox", data_dir=f"{work}/data", build_dir=f"{work}/build",
                 reports_dir=f"{work}/reports", gx_project_dir=f"{work}/gx_project")
t = time.perf_counter()
r = run_validate(s, refresh=True, chunk_rows=int(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - t, "rows": sum(o.rows for o in r.objects.values()),
  "chunks": sum(o.chunks for o in r.objects.values()),
  "expectations": sum(o.expectations for o in r.objects.values()),
  "held": r.held, "gates_rows": r.gates_rows, "warnings": r.warning_rows,
  "per_object": {k: [o.rows, o.chunks, o.held] for k, o in r.objects.items()}}))
"""


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return f"{platform.uname().system} {platform.uname().release}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM"


def build(settings, scale: str, seed: int) -> float:
    from dlt_pipelines.pipeline import run_extract
    from mapping.inventory import run_inventory
    from mapping.schema_deploy import deploy_to_sandbox
    from mapping.transform import run_transform

    started = time.perf_counter()
    run_extract(settings, full=True)
    run_inventory(settings)
    deploy_to_sandbox(settings)
    run_transform(settings, docs=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="M", choices=["tiny", "S", "M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-build", action="store_true", help="reuse the build in --work")
    parser.add_argument("--chunk-rows", type=int, default=250_000)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--note", default="")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix=f"bench_validate_{args.scale}_"))
    settings = get_settings(sandbox_dir=work / "sandbox", data_dir=work / "data", build_dir=work / "build")
    control.up(settings.sandbox_dir, seed=args.seed, scale=args.scale)
    try:
        build_seconds = None if args.skip_build else build(settings, args.scale, args.seed)
        load = os.getloadavg()[0]
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(work), str(args.chunk_rows)],
            capture_output=True,
            text=True,
            check=False,
            cwd=PROJECT_DIR,
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            sys.exit(f"validate failed:\n{proc.stderr[-3000:]}")
        figures = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        control.down(settings.sandbox_dir)
    target = TARGETS.get(args.scale)
    verdict = (
        f" (target < {target:.0f} s: {'met' if figures['seconds'] < target else 'MISSED'})" if target else ""
    )
    print(
        f"validate at {args.scale}: {figures['seconds']:.1f}s{verdict}, peak RSS {peak_mb:.0f} MB; {figures}"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Gates benchmark (`dp2sf validate`: every suite over every mart)\n\n")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(
            f"## scale {args.scale}, seed {args.seed} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n"
        )
        out.write(f"- machine: {machine()}; 1-min load average at the start: {load:.1f}\n")
        if build_seconds is not None:
            out.write(
                f"- build (extract, inventory, deploy, transform; context only): {build_seconds:.0f} s\n"
            )
        out.write(
            f"- validate (describe + suites regenerated + {figures['chunks']} checkpoint runs + gates "
            f"tables + Data Docs): **{figures['seconds']:.1f} s**{verdict}, peak RSS **{peak_mb:.0f} MB**\n"
        )
        out.write(
            f"- {figures['rows']:,} mart rows, {figures['expectations']} expectations, "
            f"chunk {args.chunk_rows:,} rows; {figures['held']:,} records held back "
            f"({figures['gates_rows']:,} failures), "
            f"{figures['warnings']:,} warnings\n"
        )
        per = ", ".join(f"{k} {v[0]:,}" for k, v in figures["per_object"].items())
        out.write(f"- rows per mart: {per}\n")
        if args.note:
            out.write(f"- note: {args.note}\n")
        out.write("\n")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
