"""``make bench``: every stage at every tier on fresh sandboxes, one JSON line per tier run, one table.

For each tier (``BENCH_TIERS`` or ``--tiers``, default ``S,M``): a new work dir, the simulator and the org
started fresh, then each stage in a child process (``bench/stages.py``), measured by ``bench/measure.py``:
wall seconds, records/s, client CPU seconds, peak RSS of the stage's process tree, the load average over the
stage, API calls to the source and to the org, and the ratio to the baseline measured in the same run:

    extract_plain  plain requests+orjson loop       → extract
    extract        dlt, every table (files apart)
    files          the extract with file listings and downloads (``BENCH_FILES`` tiers, default S: at M the
                   ~165,000 requests take ~50 min at ServiceTitan's 60 requests/s)
    inventory      inventory + schema deploy to the sandbox org
    transform_copy one COPY of every raw table       → transform
    transform, validate, prescan, sample (rolled back)
    load_bulk2     simple-salesforce bulk2 upserts, on a reset org → load (on a reset org again)
    load, reconcile (per-field part timed apart), delta (1% of jobs and customers changed), rollback (the
    delta, then the full load)

Each tier run appends one line to ``bench/results/runs.jsonl`` (machine, date, load average, git commit, the
stages that ran, and ``complete``: a run stopped half-way is recorded with what it measured) and
``BENCHMARKS.md`` is rewritten from the latest run per tier (``bench/summary.py``).

    .venv/bin/python bench/run_all.py                       # S and M
    BENCH_TIERS=S,M,L .venv/bin/python bench/run_all.py
    .venv/bin/python bench/run_all.py --tiers tiny --stages extract,inventory --results /tmp/r.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from bench.measure import ApiCounters, StageFailed, git_commit, machine, run_child  # noqa: E402
from bench.stages import STAGES, settings_for  # noqa: E402
from bench.summary import write_benchmarks  # noqa: E402

RESULTS = PROJECT_DIR / "bench" / "results" / "runs.jsonl"
BENCHMARKS = PROJECT_DIR / "BENCHMARKS.md"
ORDER = [st for st in STAGES if st != "extract_snapshot"]  # the snapshot replaces the extract


def parse_list(text: str | None, default: list[str]) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else default


def wait_for_record_cache(server_pid: int) -> float:
    """The simulator renders its record cache at start-up (M and up): wait, so no stage pays for it."""
    from bench.extract import wait_for_record_cache as wait

    started = time.monotonic()
    wait(server_pid)
    return time.monotonic() - started


def fresh_org(s) -> None:
    """An empty org with the migration's schema (before our load: the bulk2 baseline filled it)."""
    from mapping.schema_deploy import deploy_to_sandbox
    from tests.loader.helpers import Admin

    Admin.of(s.sandbox_dir).reset()
    deploy_to_sandbox(s)


def run_tier(
    tier: str,
    stages: list[str],
    seed: int,
    root: Path,
    keep: bool,
    note: str,
    snapshots: dict | None = None,
    load_objects: list[str] | None = None,
    files_slice: float | None = None,
) -> dict:
    """Every selected stage at one tier; returns the run's record (also when a stage fails).
    ``snapshots``: ``{"out": dir}`` saves raw as parquet after the extract, ``{"from": dir}`` restores it
    instead of extracting (``<dir>/<tier>``). ``load_objects`` narrows both loads to a slice of objects."""
    from sandbox import control

    work = root / f"{tier}-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}"
    work.mkdir(parents=True)
    s = settings_for(work, tier, seed)
    record: dict = {
        "tier": tier,
        "seed": seed,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "cpus": os.cpu_count(),
        "git_commit": git_commit(PROJECT_DIR),
        "load_avg_start": list(os.getloadavg()),
        "stages_selected": stages,
        "stages": [],
        "complete": False,
        "note": note,
    }
    ctx: dict = {"seed": seed}
    snapshots = snapshots or {}
    if files_slice:
        ctx["files_slice"] = record["files_slice"] = float(files_slice)
    if load_objects:
        ctx["load_objects"] = load_objects
        record["load_objects"] = load_objects
    if snapshots.get("out"):
        ctx["snapshot_out"] = str(Path(snapshots["out"]) / tier)
    if snapshots.get("from") and (Path(snapshots["from"]) / tier).is_dir():
        ctx["from_snapshot"] = str(Path(snapshots["from"]) / tier)
        stages = ["extract_snapshot" if st == "extract" else st for st in stages if st != "extract_plain"]
        record["stages_selected"] = stages
        record["from_snapshot"] = ctx["from_snapshot"]
    log = work / "stages.log"
    current: dict = {}
    try:
        started = time.perf_counter()
        endpoints = control.up(s.sandbox_dir, seed=seed, scale=tier)
        record["sandbox_up_s"] = time.perf_counter() - started
        record["record_cache_s"] = wait_for_record_cache(endpoints["dispatch_pro"]["pid"])
        api = ApiCounters(control.read_endpoints(s.sandbox_dir))
        for stage in stages:
            if stage == "load":
                fresh_org(s)
            print(f"[{tier}] {stage} ...", flush=True)
            current = {"stage": stage, "started": time.perf_counter()}
            before = api.start()
            usage = run_child(["bench/stages.py", stage, str(work), tier, json.dumps(ctx)], PROJECT_DIR, log)
            row = {
                "stage": stage,
                **usage.result,
                "process_wall_s": usage.wall_s,
                "process_cpu_s": usage.cpu_s,
                "peak_rss_mb": usage.peak_rss_mb,
                "load_avg": usage.load_avg,
                "load_avg_max": usage.load_avg_max,
                **api.stop(before),
            }
            if row.get("org_api_calls") is None and row.get("client_api_calls") is not None:
                row["org_api_calls"] = row["client_api_calls"]  # the org was reset inside the stage
            records, seconds = row.get("records"), row.get("seconds") or usage.wall_s
            row["records_per_s"] = records / seconds if records and seconds else None
            record["stages"].append(row)
            if stage == "load":
                ctx["load_run_id"] = row["run_id"]
            if stage == "delta":
                ctx["delta_run_id"] = row["run_id"]
            print(
                f"[{tier}] {stage}: {seconds:.1f} s, {records if records is not None else '-'} records, "
                f"peak RSS {usage.peak_rss_mb:,.0f} MB, CPU {usage.cpu_s:.1f} s, "
                f"load avg {usage.load_avg:.1f}",
                flush=True,
            )
        record["complete"] = True
    except KeyboardInterrupt:
        record["error"] = record["interrupted"] = "stopped by a signal"
        if current:  # the stage that was running, and for how long
            record["stopped_in"] = {
                "stage": current["stage"],
                "after_s": time.perf_counter() - current["started"],
            }
    except (StageFailed, Exception) as exc:  # noqa: BLE001 - the partial record is kept, saying why
        record["error"] = f"{type(exc).__name__}: {str(exc)[-1500:]}"
        print(f"[{tier}] stopped: {record['error']}", file=sys.stderr, flush=True)
    finally:
        with contextlib.suppress(Exception):
            control.down(s.sandbox_dir)
        record["load_avg_end"] = list(os.getloadavg())
        record["stages_run"] = [r["stage"] for r in record["stages"]]
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            record["work_dir"] = str(work)
    return record


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiers", default=os.environ.get("BENCH_TIERS", "S,M"))
    parser.add_argument(
        "--files",
        default=os.environ.get("BENCH_FILES", "S"),
        help="tiers that also run the files stage (default S)",
    )
    parser.add_argument(
        "--spark",
        default=os.environ.get("BENCH_SPARK", "S,M"),
        help="tiers that also run the transform on Spark local (default S,M; Java 17)",
    )
    parser.add_argument("--stages", default=os.environ.get("BENCH_STAGES"), help="a subset, in order")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None, help="where the tier work dirs go")
    parser.add_argument("--keep", action="store_true", help="keep the work dirs")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--benchmarks", type=Path, default=BENCHMARKS)
    parser.add_argument("--note", default=os.environ.get("BENCH_NOTE", ""))
    parser.add_argument(
        "--snapshot-out", type=Path, default=None, help="save raw as parquet after the extract, in DIR/<tier>"
    )
    parser.add_argument(
        "--from-snapshot",
        type=Path,
        default=os.environ.get("BENCH_FROM_SNAPSHOT"),
        help="restore raw from DIR/<tier> instead of extracting through the API",
    )
    parser.add_argument(
        "--load-objects",
        default=os.environ.get("BENCH_LOAD_OBJECTS"),
        help="L: load only these objects (a slice; the delta is then left out)",
    )
    parser.add_argument(
        "--files-slice",
        type=float,
        default=os.environ.get("BENCH_FILES_SLICE"),
        help="files stage on the latest share of the source's records (e.g. 0.1 at M)",
    )
    args = parser.parse_args()
    # the simulator's record cache (rendered base records, keyed by the generator's code) outlives a run
    os.environ.setdefault("DP_SIM_CACHE_DIR", str(Path(tempfile.gettempdir()) / "dp2sf-bench-sim-cache"))
    # a stop (Ctrl-C, kill) still records the stages measured so far
    signal.signal(signal.SIGTERM, _interrupt)
    root = args.work or Path(tempfile.mkdtemp(prefix="dp2sf-bench-"))
    files_tiers = parse_list(args.files, [])
    spark_tiers = parse_list(args.spark, [])
    failed = False
    for tier in parse_list(args.tiers, ["S", "M"]):
        stages = parse_list(args.stages, ORDER)
        unknown = [st for st in stages if st not in STAGES]
        if unknown:
            parser.error(f"unknown stages {unknown}; choose from {', '.join(ORDER)}")
        if args.stages is None and tier not in files_tiers:
            stages = [st for st in stages if st != "files"]
        if args.stages is None and (tier not in spark_tiers or not shutil.which("java")):
            stages = [st for st in stages if st != "transform_spark"]
        snapshots = {"out": args.snapshot_out, "from": args.from_snapshot}
        load_objects = parse_list(args.load_objects, [])
        if load_objects:  # a delta after a sliced load would send every object the slice left out
            stages = [st for st in stages if st != "delta"]
        record = run_tier(
            tier, stages, args.seed, root, args.keep, args.note, snapshots, load_objects, args.files_slice
        )
        args.results.parent.mkdir(parents=True, exist_ok=True)
        with args.results.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")
        write_benchmarks(args.results, args.benchmarks)
        failed = failed or not record["complete"]
        if record.get("interrupted"):
            break
    if args.work is None and not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(f"results: {args.results}; summary: {args.benchmarks}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
