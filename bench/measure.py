"""What ``bench/run_all.py`` measures around one stage: wall time, client CPU seconds, peak RSS of the stage's
process tree, the load average, and the API calls the simulator and the org saw.

Each stage runs in its own child process, so:
  * client CPU seconds = ``resource.getrusage(RUSAGE_CHILDREN)`` before/after (the child and every process it
    waited for: dbt, dlt's normalize workers); the sandbox servers are the parent's children too but are only
    reaped at the end, so their CPU is never in a stage's figure;
  * peak RSS = the highest sum of RSS over the child and its descendants, sampled with psutil every 0.2 s;
  * API calls = the simulator's request log (``/_admin/requests``, every API request, cleared before the
    stage) and the org's ``DailyApiRequests`` counter (``/limits``, as a real org reports its usage).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import requests

API_VERSION = "62.0"
SAMPLE_EVERY_S = 0.2


class StageFailed(RuntimeError):
    """A stage's child process ended with an error (its stderr tail is in the message)."""


@dataclass
class Usage:
    """The parent's view of one child: wall, CPU, peak RSS, load average over the run."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    load_avg: float
    load_avg_max: float
    result: dict = field(default_factory=dict)


def machine() -> str:
    mem = psutil.virtual_memory().total / 2**30
    u = platform.uname()
    return f"{u.system} {u.release} {u.machine}, {os.cpu_count()} CPUs, {mem:.1f} GiB RAM, {u.node}"


def git_commit(project_dir: Path) -> str:
    """The commit the figures were measured on, ``+dirty`` when the work tree had changes."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=project_dir, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short=12", "HEAD") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def run_child(argv: list[str], cwd: Path, log: Path) -> Usage:
    """Run ``python argv`` and measure it; its last stdout line is its JSON result."""
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [sys.executable, *argv],
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=cwd,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        peak, loads, done = 0, [], threading.Event()

        def sample() -> None:
            nonlocal peak
            try:
                parent = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not done.is_set():
                loads.append(os.getloadavg()[0])
                try:
                    rss = parent.memory_info().rss
                    for child in parent.children(recursive=True):
                        with contextlib.suppress(psutil.Error):
                            rss += child.memory_info().rss
                    peak = max(peak, rss)
                except psutil.Error:
                    pass
                done.wait(SAMPLE_EVERY_S)

        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        try:
            out, _ = proc.communicate()
        except BaseException:  # stopped: the stage's process goes with the harness
            proc.kill()
            proc.wait()
            raise
        finally:
            done.set()
            thread.join()
    wall = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2500:] if log.exists() else ""
        raise StageFailed(f"exit code {proc.returncode}: {tail}")
    lines = out.decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    return Usage(
        wall_s=wall,
        cpu_s=cpu,
        peak_rss_mb=peak / 2**20,
        load_avg=sum(loads) / len(loads) if loads else os.getloadavg()[0],
        load_avg_max=max(loads) if loads else os.getloadavg()[0],
        result=result,
    )


class ApiCounters:
    """API calls per stage: the simulator's request log and the org's daily API counter."""

    def __init__(self, endpoints: dict) -> None:
        self.dp = endpoints.get("dispatch_pro")
        self.sf = endpoints.get("salesforce")
        self.session = requests.Session()
        self.session.trust_env = False

    def _dp(self, method: str) -> dict:
        r = self.session.request(
            method,
            f"{self.dp['admin_url']}/requests",
            headers={"X-Admin-Token": self.dp["admin_token"]},
            timeout=300,
        )
        r.raise_for_status()
        return r.json()

    def _sf(self, path: str) -> dict:
        r = self.session.get(
            f"{self.sf['instance_url']}/services/data/v{API_VERSION}/{path}",
            headers={"Authorization": f"Bearer {self.sf['access_token']}"},
            verify=self.sf["ca_cert"],
            timeout=120,
        )
        r.raise_for_status()
        return r.json()

    def org_used(self) -> int | None:
        if not self.sf:
            return None
        api = self._sf("limits")["DailyApiRequests"]
        return int(api["Max"]) - int(api["Remaining"])

    def ingest_jobs(self) -> dict[str, dict]:
        if not self.sf:
            return {}
        return {j["id"]: j for j in self._sf("jobs/ingest").get("records", [])}

    def start(self) -> dict:
        """Clear the simulator's log; note the org's counter and its Bulk ingest jobs."""
        if self.dp:
            self._dp("DELETE")
        return {"org_used": self.org_used(), "jobs": set(self.ingest_jobs())}

    def stop(self, before: dict) -> dict:
        """API calls since :meth:`start` (the probes themselves left out) and the org's own ingest figures
        for the Bulk jobs the stage created (rows, server wall and CPU milliseconds)."""
        out: dict = {"source_api_calls": self._dp("GET")["count"] if self.dp else None}
        used = self.org_used()
        # the probes: start()'s jobs listing and this /limits call (start()'s /limits is in `before`)
        known = used is not None and before["org_used"] is not None
        out["org_api_calls"] = used - before["org_used"] - 2 if known else None
        if out["org_api_calls"] is not None and out["org_api_calls"] < 0:
            out["org_api_calls"] = None  # the org was reset during the stage: its counter started over
        jobs = [j for jid, j in self.ingest_jobs().items() if jid not in before["jobs"]]
        if jobs:
            out["org_ingest"] = {
                "jobs": len(jobs),
                "rows": sum(int(j.get("numberRecordsProcessed") or 0) for j in jobs),
                "server_ms": sum(int(j.get("totalProcessingTime") or 0) for j in jobs),
                "server_cpu_ms": sum(int(j.get("apiActiveProcessingTime") or 0) for j in jobs),
            }
        return out
