"""Benchmark the loader on the sandbox org: ours vs simple-salesforce bulk2 defaults vs per-record REST.

Builds the marts at a scale (own sandbox: extract → inventory → schema deploy → transform), then, each on a
reset org, in its own process (peak RSS per contender):
  ours   ``run_load`` (Bulk API 2.0 objects; files are a separate step and left out here)
  bulk2  simple-salesforce ``sf.bulk2.<Object>.upsert(csv)`` with its defaults (5 s ``wait``), same CSVs
  rest   one REST upsert per record (``PATCH /sobjects/X/Dispatch_Pro_Id__c/<key>``), first 2,000 records
Wall time, records/s, API calls per 10,000 records, client CPU s, peak RSS; appended to bench/results/load.md.
Aims (issue 10): ≤ 10 API calls per 10,000 records per object beyond polling, ≥ 20,000 records/s client side,
peak RSS < 1 GB.

    python bench/load.py --scale S
    python bench/load.py --scale M --work /tmp/bench_load_M --keep     # re-run with --skip-build
"""

from __future__ import annotations

import argparse
import contextlib
import csv
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

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
RESULTS = PROJECT_DIR / "bench" / "results" / "load.md"
REST_RECORDS = 2_000


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
    from sandbox import control

    s = settings_for(work, scale)
    control.up(s.sandbox_dir, seed=seed, scale=scale)
    run_extract(s, full=True)
    run_inventory(s)
    run_transform(s, docs=False)


def fresh_org(s) -> None:
    from mapping.schema_deploy import deploy_to_sandbox
    from tests.loader.helpers import Admin

    Admin.of(s.sandbox_dir).reset()
    deploy_to_sandbox(s)


def export_csvs(s, out: Path, objects: list[str]) -> dict[str, Path]:
    """The marts as Bulk CSVs (Salesforce columns only; owners left to the org default) for the others."""
    import duckdb

    from core.fields import shape_columns
    from core.stamp import built_person_accounts
    from loaders.bulk import csv_value

    person_accounts = built_person_accounts(s.duckdb_path)  # a plain org has no person-only field
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    paths = {}
    try:
        for obj in objects:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'salesforce' "
                    "and table_name = ? and column_name not like '\\_%' escape '\\' "
                    "order by ordinal_position",
                    [obj],
                ).fetchall()
            ]
            cols = shape_columns(obj, cols, person_accounts)
            path = out / f"{obj}.csv"
            cur = con.execute(
                f'select {", ".join(chr(34) + c + chr(34) for c in cols)} from salesforce."{obj}"'
            )
            with open(path, "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh, lineterminator="\n")
                w.writerow(cols)
                while rows := cur.fetchmany(5000):
                    w.writerows([csv_value(v) for v in r] for r in rows)
            paths[obj] = path
    finally:
        con.close()
    return paths


def contender(kind: str, work: Path, scale: str) -> dict:
    """Run in a child process: one contender on a reset org; prints its figures as JSON."""
    from core.connection import connect
    from core.org_api import OrgClient
    from loaders.load import make_plan, run_load
    from loaders.plan import NOT_BULK

    s = settings_for(work, scale)
    fresh_org(s)
    objects = [o for o in make_plan(s).order if o not in NOT_BULK]
    cpu0, t0 = time.process_time(), time.perf_counter()
    if kind == "ours":
        result = run_load(s, objects=objects)
        records, calls = sum(result.sent.values()), result.api_calls
    else:
        org = OrgClient(connect("sandbox", s.endpoints_file))
        csvs = export_csvs(s, work, objects)
        cpu0, t0 = time.process_time(), time.perf_counter()
        records = 0
        if kind == "bulk2":
            for obj in objects:
                for res in getattr(org.sf.bulk2, obj).upsert(
                    str(csvs[obj]), external_id_field="Dispatch_Pro_Id__c"
                ):
                    records += int(res["numberRecordsProcessed"])
        else:  # rest: one upsert per record
            for obj in objects:
                with open(csvs[obj], encoding="utf-8", newline="") as fh:
                    for row in csv.DictReader(fh):
                        if records >= REST_RECORDS:
                            break
                        key = row.pop("Dispatch_Pro_Id__c")
                        body = {}
                        for k, v in row.items():
                            if v == "#N/A":
                                continue
                            if "." in k:
                                rel, field = k.split(".")
                                body[rel] = {field: v}
                            else:
                                body[k] = v
                        with contextlib.suppress(Exception):  # a refused record still cost its call
                            getattr(org.sf, obj).upsert(f"Dispatch_Pro_Id__c/{key}", body)
                        records += 1
        calls = org.usage.calls
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # this contender's process only
    return {
        "kind": kind,
        "records": records,
        "wall_s": wall,
        "cpu_s": cpu,
        "api_calls": calls,
        "peak_rss_mb": rss,
    }


def run_child(kind: str, work: Path, scale: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--work", str(work), "--scale", scale],
        capture_output=True, text=True, check=True, cwd=PROJECT_DIR,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", default="M", choices=["tiny", "S", "M", "L"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--only", nargs="*", default=["ours", "bulk2", "rest"])
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix=f"bench_load_{args.scale}_"))
    if args.child:
        print(json.dumps(contender(args.child, work, args.scale)))
        return
    from sandbox import control

    try:
        if not args.skip_build:
            started = time.perf_counter()
            build(work, args.scale, args.seed)
            print(f"build (extract + transform) at {args.scale}: {time.perf_counter() - started:.0f}s")
        else:
            control.up(work / "sandbox", seed=args.seed, scale=args.scale)
        rows = []
        load_before = os.getloadavg()
        for (
            kind
        ) in args.only:  # RUSAGE_CHILDREN keeps the max over children: ours runs first, then bigger ones
            figures = run_child(kind, work, args.scale)
            n = max(figures["records"], 1)
            figures["rec_per_s"] = figures["records"] / figures["wall_s"]
            figures["client_rec_per_cpu_s"] = figures["records"] / max(figures["cpu_s"], 1e-9)
            figures["calls_per_10k"] = figures["api_calls"] * 10_000 / n
            rows.append(figures)
            print(json.dumps(figures))
    finally:
        control.down(work / "sandbox")
    load_after = os.getloadavg()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if not RESULTS.exists():
        RESULTS.write_text("# Load benchmark (sandbox org over HTTPS)\n\n")
    with RESULTS.open("a", encoding="utf-8") as out:
        out.write(
            f"## scale {args.scale}, seed {args.seed} — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n\n"
        )
        out.write(
            f"- machine: {platform.uname().system}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM (shared)\n"
        )
        out.write(
            "- load average (1/5/15 min) before the contenders: "
            + " / ".join(f"{x:.2f}" for x in load_before)
            + "; after: "
            + " / ".join(f"{x:.2f}" for x in load_after)
            + "\n"
        )
        out.write(
            "\n| contender | records | wall s | records/s | client records/CPU-s | API calls | per 10k "
            "| peak RSS MB |\n"
        )
        out.write("|---|---:|---:|---:|---:|---:|---:|---:|\n")
        for f in rows:
            out.write(
                f"| {f['kind']} | {f['records']:,} | {f['wall_s']:.1f} | {f['rec_per_s']:,.0f} | "
                f"{f['client_rec_per_cpu_s']:,.0f} | {f['api_calls']:,} | {f['calls_per_10k']:.0f} | "
                f"{f['peak_rss_mb']:.0f} |\n"
            )
        if args.note:
            out.write(f"\n- note: {args.note}\n")
        out.write("\n")
    if not args.keep and args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
