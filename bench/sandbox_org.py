"""Benchmark of the Salesforce sandbox org: Bulk API 2.0 ingest with validation, and SOQL COUNT() over
a large table. Runs its own org in a scratch state dir, over HTTPS with simple-salesforce, and writes
``bench/results/sandbox_org.md``.

    .venv/bin/python bench/sandbox_org.py [--rows 1000000] [--job-rows 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

import requests  # noqa: E402

from core.connection import connect  # noqa: E402
from sandbox import control  # noqa: E402

EXT_ID = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">'
    "<fullName>Dispatch_Pro_Id__c</fullName><externalId>true</externalId><label>Dispatch Pro Id</label>"
    "<length>80</length><required>false</required><type>Text</type><unique>true</unique></CustomField>"
)
INDUSTRIES = ("Energy", "Construction", "Retail", "Utilities", "Other")


def write_csv(path: Path, rows: int) -> None:
    """Accounts with a unique external id, a picklist, a number and a phone: every column validated."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("Name,Dispatch_Pro_Id__c,Industry,NumberOfEmployees,Phone\n")
        for i in range(rows):
            fh.write(f"Customer {i},customer:{i},{INDUSTRIES[i % 5]},{i % 900},555-{i % 10000:04d}\n")


def timed_count(sf, soql: str, repeats: int = 5) -> tuple[int, float]:
    times, total = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        total = sf.query(soql)["totalSize"]
        times.append(time.perf_counter() - start)
    return total, statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--job-rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "results" / "sandbox_org.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sandbox_org_bench_") as tmp:
        state = Path(tmp)
        endpoints = control.up(state, which=("salesforce",))["salesforce"]
        try:
            admin = requests.post(
                endpoints["admin_url"] + "/metadata/deploy",
                json={"files": {"objects/Account/fields/Dispatch_Pro_Id__c.field-meta.xml": EXT_ID}},
                headers={"X-Admin-Token": endpoints["admin_token"]},
                verify=endpoints["ca_cert"],
                timeout=60,
            ).json()
            assert admin["success"], admin
            sf = connect("sandbox", state / "endpoints.json")
            csv_path = state / "accounts.csv"
            write_csv(csv_path, args.rows)
            start = time.perf_counter()
            jobs = sf.bulk2.Account.insert(csv_file=str(csv_path), batch_size=args.job_rows, wait=0.2)
            wall = time.perf_counter() - start
            failed = sum(int(j["numberRecordsFailed"]) for j in jobs)
            server_ms = cpu_ms = 0
            for job in jobs:
                info = sf.restful(f"jobs/ingest/{job['job_id']}", method="GET")
                server_ms += int(info["totalProcessingTime"])
                cpu_ms += int(info["apiActiveProcessingTime"])  # the worker thread's CPU time
            loaded = sum(int(j["numberRecordsProcessed"]) for j in jobs) - failed
            count_all, t_count = timed_count(sf, "SELECT COUNT() FROM Account")
            count_where, t_where = timed_count(
                sf, "SELECT COUNT() FROM Account WHERE Industry = 'Energy' AND NumberOfEmployees > 100"
            )
        finally:
            control.down(state)
    server_rate = loaded / (server_ms / 1000) if server_ms else float("nan")
    cpu_rate = loaded / (cpu_ms / 1000) if cpu_ms else float("nan")
    figures = {
        "rows loaded": f"{loaded:,} ({failed} failed) in {len(jobs)} jobs of {args.job_rows:,}",
        "bulk ingest, server processing per CPU second (validation + write)": f"{cpu_rate:,.0f} rows/s "
        "(target >= 20,000)",
        "bulk ingest, server processing wall clock": f"{server_rate:,.0f} rows/s",
        "bulk ingest, end to end (CSV split, upload, poll)": f"{loaded / wall:,.0f} rows/s",
        f"SOQL COUNT() over {count_all:,} rows (median of 5, REST round trip)": (
            f"{t_count * 1000:.0f} ms (target < 1 s)"
        ),
        f"SOQL COUNT() with a 2-field WHERE ({count_where:,} rows)": f"{t_where * 1000:.0f} ms",
    }
    machine = f"{platform.system()} {platform.release()} {platform.machine()}, {os.cpu_count()} CPUs"
    lines = [
        "# Sandbox org benchmark",
        "",
        f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: `{' '.join(platform.uname())}` ({machine})",
        f"- python: {platform.python_version()}; "
        f"command: `.venv/bin/python bench/sandbox_org.py --rows {args.rows}`",
        f"- load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        "(the machine was shared; the per-CPU-second figure is what the org's worker thread does "
        "with a core to itself)",
        "",
        "| measure | result |",
        "|---|---|",
        *[f"| {k} | {v} |" for k, v in figures.items()],
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(f"{k}: {v}" for k, v in figures.items()))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
