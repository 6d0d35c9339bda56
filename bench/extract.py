"""Benchmark the Dispatch Pro extract: dlt pipeline vs. a plain requests+orjson loop (the floor).

Starts its own simulator (seed 42, ``--scale``, default M) in a temp dir, then runs, each in a child process
so peak RSS (process + children, sampled with psutil) is measured per contender:
  * dlt   - the ``dispatch_pro`` source into DuckDB (tables only; ``--with-files`` adds attachments + files)
  * plain - the same export and list endpoints with requests + orjson, rows (id, JSON text) into DuckDB,
            paced like the source (the simulator enforces ServiceTitan's 60 requests/s per app and tenant)
Both run once the simulator's record cache is warm (DP_SIM_CACHE_DIR keeps it between runs).
Prints both and the ratio; writes ``bench/results/extract[-<scale>].md``.

    .venv/bin/python bench/extract.py --scale S
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
import threading
import time
from pathlib import Path

import psutil

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from dlt_pipelines.dispatch_pro.pacing import DEFAULT_RATE_PER_S, Pacer  # noqa: E402
from dlt_pipelines.dispatch_pro.settings import ENDPOINTS, JOB_HISTORY_PATH  # noqa: E402
from sandbox import control  # noqa: E402

FLUSH_ROWS = 50_000


# ----------------------------------------------------------------------------------------------- children


def child_dlt(sandbox_dir: Path, data_dir: Path, with_files: bool) -> dict:
    """Run the dlt pipeline once (full) and report records and seconds."""
    import dlt  # noqa: F401 - imported before the clock starts, like the plain loop's libraries

    from core.settings import get_settings
    from dlt_pipelines.pipeline import (
        LOADER_FILE_FORMAT,
        make_pipeline,
        make_source,
        run_extract,
    )

    settings = get_settings(sandbox_dir=sandbox_dir, data_dir=data_dir)
    started = time.perf_counter()
    if with_files:
        summary = run_extract(settings, full=True)
        return {"records": summary.records_extracted, "seconds": time.perf_counter() - started}
    source = make_source(settings, files=False)
    pipeline = make_pipeline(settings, progress=None)
    pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)
    counts = pipeline.last_trace.last_normalize_info.row_counts
    records = sum(n for table, n in counts.items() if "__" not in table and not table.startswith("_dlt"))
    steps = {
        s.step: (s.finished_at - s.started_at).total_seconds()
        for s in pipeline.last_trace.steps
        if s.step in ("extract", "normalize", "load")
    }
    return {"records": records, "seconds": time.perf_counter() - started, "steps": steps}


def child_plain(sandbox_dir: Path, data_dir: Path) -> dict:
    """The floor: page every endpoint with requests + orjson and store (id, json) rows in DuckDB."""
    import duckdb
    import orjson
    import pandas as pd
    import requests

    ep = control.read_endpoints(sandbox_dir)["dispatch_pro"]
    started = time.perf_counter()
    session = requests.Session()

    def sign_in() -> None:
        """A new token (ServiceTitan's live 15 minutes: an L extract outlives several)."""
        token = session.post(
            ep["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": ep["client_id"],
                "client_secret": ep["client_secret"],
            },
        ).json()["access_token"]
        session.headers.update({"Authorization": f"Bearer {token}", "ST-App-Key": ep["app_key"]})

    sign_in()
    data_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(data_dir / "plain.duckdb"))
    targets = [(e.table, e.url_path(ep["tenant"]), e.kind, dict(e.extra_params)) for e in ENDPOINTS]
    targets.append(("job_history", JOB_HISTORY_PATH.format(tenant=ep["tenant"]), "export", {}))
    records = 0
    pacer = Pacer(DEFAULT_RATE_PER_S)  # the same pace as the dlt source

    def flush(table: str, ids: list[str], docs: list[str], first: bool) -> None:
        frame = pd.DataFrame({"id": ids, "doc": docs})  # noqa: F841 - read by DuckDB below
        if first:
            con.execute(f'create or replace table "{table}" as select * from frame')
        else:
            con.execute(f'insert into "{table}" select * from frame')
        ids.clear()
        docs.clear()

    for table, path, kind, extra in targets:
        url = f"{ep['base_url']}/{path}"
        params = {
            **extra,
            **({"from": "2000-01-01T00:00:00Z"} if kind == "export" else {"page": 1, "pageSize": 1000}),
        }
        ids, docs, first = [], [], True
        while True:
            pacer.wait()
            response = session.get(url, params=params)
            if response.status_code == 429:  # over the limit anyway: wait as told, ask again
                time.sleep(float(response.headers.get("Retry-After", 1)))
                continue
            if response.status_code == 401:  # the token expired: a new one, the same page again
                sign_in()
                continue
            response.raise_for_status()
            body = orjson.loads(response.content)
            items = body["data"]
            if table == "job_history":  # one row per event, as the dlt source lands it
                items = [{"jobId": h["jobId"], **event} for h in items for event in h["history"]]
            for item in items:
                ids.append(str(item.get("id", item.get("jobId"))))
                docs.append(orjson.dumps(item).decode())
            records += len(items)
            if len(ids) >= FLUSH_ROWS:
                flush(table, ids, docs, first)
                first = False
            if not body.get("hasMore"):
                break
            if kind == "export":
                params["from"] = body["continueFrom"]
            else:
                params["page"] += 1
        flush(table, ids, docs, first)
    con.close()
    return {"records": records, "seconds": time.perf_counter() - started}


# ----------------------------------------------------------------------------------------------- parent


def measure(args: list[str]) -> dict:
    """Run a child, sample RSS of it and its children every 0.1 s, return its JSON result plus peak RSS."""
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, cwd=PROJECT_DIR)
    peak = 0
    loads: list[float] = []
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(proc.pid)
        while not done.is_set():
            loads.append(os.getloadavg()[0])
            try:
                rss = parent.memory_info().rss + sum(
                    c.memory_info().rss for c in parent.children(recursive=True)
                )
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"benchmark child {args[:2]} failed with exit code {proc.returncode}")
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = peak / 2**20
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)  # the child and its reaped normalize workers
    result["cpu_s"] = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    result["load_avg"] = sum(loads) / len(loads) if loads else 0.0  # 1-min load average, mean over the run
    return result


def wait_for_record_cache(server_pid: int) -> None:
    """Both contenders must see a warm simulator: wait for its record-cache renderer (M tier) to finish."""
    started = time.monotonic()
    while True:
        try:
            renderers = [
                p
                for p in psutil.Process(server_pid).children(recursive=True)
                if "cache" in " ".join(p.cmdline())
            ]
        except psutil.Error:
            renderers = []
        if not renderers:
            break
        time.sleep(1)
    if time.monotonic() - started > 1:
        print(f"simulator record cache ready after {time.monotonic() - started:.0f}s", flush=True)


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    return f"{' '.join(platform.uname())}; {os.cpu_count()} CPUs; {mem:.1f} GiB RAM"


def write_report(path: Path, scale: str, dlt_r: dict, plain_r: dict, with_files: bool, note: str) -> None:
    ratio = dlt_r["rps"] / plain_r["rps"] if plain_r["rps"] else 0.0
    lines = [
        f"# Extract benchmark, scale {scale}",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: {machine()}",
        f"- dlt run: {'tables + attachments + files' if with_files else 'all tables (no attachments/files)'}",
        "- dlt setup: API pages as Arrow tables (flat tables, and the tables with child lists split into"
        " their child tables); export-folder and small list tables through dlt's normalizer (2 workers)",
        "- plain loop: same endpoints, requests + orjson, (id, JSON) rows into DuckDB via pandas",
        f"- both paced at {DEFAULT_RATE_PER_S:g} requests/s (the simulator enforces 60/s per app and tenant)",
        f"- note: {note}",
        "",
        "| contender | records | seconds | records/s | CPU seconds | peak RSS (MB) | load avg during run |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in (("dlt", dlt_r), ("plain loop", plain_r)):
        lines.append(
            f"| {name} | {r['records']:,} | {r['seconds']:.1f} | {r['rps']:,.0f} | {r.get('cpu_s', 0):.1f} "
            f"| {r['peak_rss_mb']:,.0f} "
            f"| {r['load_avg']:.1f} |"
        )
    lines += ["", f"dlt / plain = {ratio:.0%} (targets: >= 50%, >= 20,000 records/s, peak RSS < 1 GB)", ""]
    if dlt_r.get("steps"):
        split = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in dlt_r["steps"].items())
        lines += [f"dlt steps: {split}", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="M", choices=["tiny", "S", "M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--with-files", action="store_true", help="also list attachments and download files")
    parser.add_argument("--note", default="2 cores shared with other work running at the same time")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", choices=["dlt", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--sandbox-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "dlt":
        print(json.dumps(child_dlt(args.sandbox_dir, args.data_dir, args.with_files)))
        return
    if args.child == "plain":
        print(json.dumps(child_plain(args.sandbox_dir, args.data_dir)))
        return

    tmp = Path(tempfile.mkdtemp(prefix="dp2sf-bench-extract-"))
    sandbox_dir = tmp / "sandbox"
    try:
        print(f"starting the simulator (seed {args.seed}, scale {args.scale}) in {tmp}", flush=True)
        os.environ.setdefault("DP_SIM_CACHE_DIR", str(Path(tempfile.gettempdir()) / "dp2sf-bench-sim-cache"))
        endpoints = control.up(sandbox_dir, seed=args.seed, scale=args.scale, which=("dispatch_pro",))
        wait_for_record_cache(endpoints["dispatch_pro"]["pid"])
        common = ["--sandbox-dir", str(sandbox_dir)]
        print("plain loop ...", flush=True)
        plain_r = measure(["--child", "plain", *common, "--data-dir", str(tmp / "plain")])
        print("dlt pipeline ...", flush=True)
        files = ["--with-files"] if args.with_files else []
        dlt_r = measure(["--child", "dlt", *common, "--data-dir", str(tmp / "dlt"), *files])
        for r in (dlt_r, plain_r):
            r["rps"] = r["records"] / r["seconds"] if r["seconds"] else 0.0
        suffix = "" if args.scale == "M" else f"-{args.scale}"
        out = args.out or PROJECT_DIR / "bench" / "results" / f"extract{suffix}.md"
        write_report(out, args.scale, dlt_r, plain_r, args.with_files, args.note)
    finally:
        control.down(sandbox_dir)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
