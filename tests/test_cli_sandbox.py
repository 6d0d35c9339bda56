"""`dp2sf sandbox up|status|down` as a user runs them: real processes, real ports, endpoints.json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import requests

DP2SF = [sys.executable, "-m", "workbench"]


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*DP2SF, *args], env=env, capture_output=True, text=True, timeout=180)


def test_sandbox_up_status_down(tmp_path: Path) -> None:
    env = {**os.environ, "DP2SF_SANDBOX_DIR": str(tmp_path / "sandbox"), "DP2SF_DATA_DIR": str(tmp_path)}
    up = _run(["sandbox", "up"], env)
    try:
        assert up.returncode == 0, up.stderr
        endpoints = json.loads((tmp_path / "sandbox" / "endpoints.json").read_text())
        dp, sf = endpoints["dispatch_pro"], endpoints["salesforce"]
        # secrets go to the file (mode 600), never to the terminal
        assert oct((tmp_path / "sandbox" / "endpoints.json").stat().st_mode)[-3:] == "600"
        for secret in (dp["client_secret"], dp["app_key"], sf["access_token"]):
            assert secret not in up.stdout + up.stderr
        # any client can connect with what the file holds
        token = requests.post(
            dp["token_url"],
            data={
                "grant_type": "client_credentials",
                "client_id": dp["client_id"],
                "client_secret": dp["client_secret"],
            },
            timeout=10,
        )
        assert token.status_code == 200 and token.json()["expires_in"] == 900
        limits = requests.get(
            f"{sf['instance_url']}/services/data/v62.0/limits/",
            headers={"Authorization": f"Bearer {sf['access_token']}"},
            verify=sf["ca_cert"],
            timeout=10,
        )
        assert limits.status_code == 200 and "DailyApiRequests" in limits.json()

        again = _run(["sandbox", "up"], env)  # idempotent: reuses the running servers
        assert again.returncode == 0, again.stderr
        reread = json.loads((tmp_path / "sandbox" / "endpoints.json").read_text())
        assert reread["salesforce"]["pid"] == sf["pid"]

        status = _run(["sandbox", "status"], env)
        assert status.returncode == 0 and status.stdout.count("yes") == 2
    finally:
        down = _run(["sandbox", "down"], env)
    assert down.returncode == 0
    assert "dispatch_pro" in down.stdout and "salesforce" in down.stdout
    assert not (tmp_path / "sandbox" / "endpoints.json").exists()
    assert _run(["sandbox", "status"], env).stdout.count("yes") == 0


def test_unknown_scale_is_a_clear_error(tmp_path: Path) -> None:
    env = {**os.environ, "DP2SF_SANDBOX_DIR": str(tmp_path / "sandbox")}
    result = _run(["sandbox", "up", "--scale", "XXL"], env)
    assert result.returncode == 4  # bad option: nothing started (README, troubleshooting by exit code)
    assert "--scale is 'XXL': choose tiny, S, M, L" in result.stderr
    assert "Traceback" not in result.stderr
