"""`make lab`: JupyterLab starts on the project with the notebooks, and notebooks read DuckDB read-only."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import requests

from core.settings import PROJECT_DIR
from tests.review import reports_fixture as fx
from workbench.lab import LabError, lab_command, open_duckdb

TOKEN = "dp2sf-lab-test-token"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_starts_on_a_free_port_serves_the_notebooks_and_stops(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "JUPYTER_TOKEN": TOKEN,
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "ws"),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench.lab", "--port", str(port), "--no-browser"],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {TOKEN}"}
    session = requests.Session()
    session.trust_env = False
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status = session.get(f"{base}/api/status", headers=headers, timeout=2)
                if status.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        assert status is not None and status.status_code == 200, (
            proc.stdout.read() if proc.poll() else "timeout"
        )
        assert "started" in status.json()
        stranger = requests.Session()
        stranger.trust_env = False
        assert stranger.get(f"{base}/api/contents/notebooks", timeout=5).status_code == 403  # token required
        lab = session.get(f"{base}/lab", headers=headers, timeout=10)
        assert lab.status_code == 200 and "JupyterLab" in lab.text
        listing = session.get(f"{base}/api/contents/notebooks", headers=headers, timeout=10).json()
        names = {item["name"] for item in listing["content"]}
        assert {"analyst_start.ipynb", "reconciliation.ipynb", "rollback.ipynb", "prescan.ipynb"} <= names
        kernels = session.get(f"{base}/api/kernelspecs", headers=headers, timeout=10).json()
        assert "python3" in kernels["kernelspecs"]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own session: only the server we started
            proc.wait(timeout=10)
    assert proc.returncode is not None
    with pytest.raises(requests.ConnectionError):
        session.get(f"{base}/api/status", headers=headers, timeout=2)


def test_lab_command_is_localhost_in_the_project_with_the_start_notebook() -> None:
    cmd = lab_command(port=9999, no_browser=True)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={PROJECT_DIR}" in cmd and "--ServerApp.ip=127.0.0.1" in cmd
    assert "--LabApp.default_url=/lab/tree/notebooks/analyst_start.ipynb" in cmd and "--no-browser" in cmd
    assert (PROJECT_DIR / "notebooks" / "analyst_start.ipynb").is_file()


def test_open_duckdb_is_read_only_and_says_when_a_writer_holds_the_file(tmp_path: Path) -> None:
    settings, run, _ = fx.build(tmp_path)
    con = open_duckdb(settings)
    try:
        assert con.execute("select count(*) from ledger.runs").fetchall()[0][0] == 2
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("delete from ledger.runs")
    finally:
        con.close()
    with pytest.raises(LabError, match="no DuckDB"):
        open_duckdb(path=tmp_path / "absent.duckdb")
    writer = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('open', flush=True); time.sleep(60)", str(settings.duckdb_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(LabError, match="open for writing by another process"):
            open_duckdb(settings)
    finally:
        writer.kill()
        writer.wait(timeout=10)


def test_the_analyst_notebook_runs_on_a_project_database(tmp_path: Path, monkeypatch) -> None:
    import papermill as pm

    settings, run, rollback = fx.build(tmp_path)
    monkeypatch.setenv("DP2SF_DATA_DIR", str(settings.data_dir))
    out = tmp_path / "start.ipynb"
    pm.execute_notebook(
        str(PROJECT_DIR / "notebooks" / "analyst_start.ipynb"), str(out), cwd=str(PROJECT_DIR),
        kernel_name="python3", progress_bar=False,
    )  # fmt: skip
    text = out.read_text()
    assert "ledger" in text and "operations" in text and run in text and rollback in text  # the runs table
