"""Start, stop and describe the local stand-ins (Dispatch Pro simulator, Salesforce sandbox org).

Each server runs as a background process (``python -m sandbox.<name>``) on 127.0.0.1 with a free port.
Everything a client needs to connect goes into ``<state_dir>/endpoints.json``; credentials are random per
state dir, kept in ``<state_dir>/credentials.json`` so a restart keeps them, and never printed.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

SERVERS = ("dispatch_pro", "salesforce")
START_TIMEOUT_S = 60.0


class SandboxError(RuntimeError):
    """A sandbox server could not be started, reached or stopped."""


@dataclass(frozen=True)
class ServerSpec:
    name: str
    scheme: str


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:  # a zombie child of ours still answers kill(0)
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return True


def _credentials(state_dir: Path) -> dict:
    path = state_dir / "credentials.json"
    if path.exists():
        return json.loads(path.read_text())
    creds = {
        "dispatch_pro": {
            "client_id": "cid." + secrets.token_hex(8),
            "client_secret": "cs1." + secrets.token_urlsafe(24),
            "app_key": "ak1." + secrets.token_urlsafe(16),
            "tenant": "1000",
            "admin_token": secrets.token_urlsafe(16),
        },
        "salesforce": {
            "access_token": "00D" + secrets.token_hex(6).upper() + "!" + secrets.token_urlsafe(40),
            "admin_token": secrets.token_urlsafe(16),
        },
    }
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    _write_private(path, json.dumps(creds, indent=2))
    return creds


def _write_private(path: Path, text: str) -> None:
    """``text`` into ``path``, the file created 0600 (never readable by others, not even for a moment)."""
    if path.exists():
        path.chmod(0o600)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)


def _tls_material(state_dir: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost (trustme), made once per state dir."""
    tls_dir = state_dir / "tls"
    ca_path, cert_path, key_path = tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server.key"
    if not (ca_path.exists() and cert_path.exists() and key_path.exists()):
        import trustme

        tls_dir.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ca.cert_pem.write_to_path(str(ca_path))
        cert.cert_chain_pems[0].write_to_path(str(cert_path))
        for extra in cert.cert_chain_pems[1:]:
            extra.write_to_path(str(cert_path), append=True)
        cert.private_key_pem.write_to_path(str(key_path))
        key_path.chmod(0o600)
    return ca_path, cert_path, key_path


def read_endpoints(state_dir: Path) -> dict:
    """The endpoints file as a dict ({} when the sandbox was never started): the one reader of
    ``endpoints.json``. ``state_dir`` is the sandbox directory or the endpoints file itself."""
    state_dir = Path(state_dir)
    path = state_dir if state_dir.suffix == ".json" else state_dir / "endpoints.json"
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise SandboxError(f"{path} is not valid JSON ({exc}); run `dp2sf sandbox up` again") from None
    if not isinstance(data, dict):
        raise SandboxError(f"{path} does not hold a JSON object; run `dp2sf sandbox up` again")
    return data


def _write_endpoints(state_dir: Path, endpoints: dict) -> None:
    _write_private(state_dir / "endpoints.json", json.dumps(endpoints, indent=2))


def _wait_healthy(url: str, verify: str | bool, pid: int, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    last_error = ""
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise SandboxError(f"server exited during start-up (see {log}):\n{tail}")
        try:
            if requests.get(url, timeout=2, verify=verify).status_code == 200:
                return
        except requests.RequestException as exc:
            last_error = str(exc)
        time.sleep(0.1)
    raise SandboxError(f"server did not answer {url} within {START_TIMEOUT_S:.0f}s: {last_error}")


def _spawn(module: str, args: list[str], env_extra: dict, log: Path) -> subprocess.Popen:
    env = {**os.environ, **env_extra, "PYTHONUNBUFFERED": "1"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as fh:
        return subprocess.Popen(
            [sys.executable, "-m", module, *args],
            stdout=fh,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            cwd=str(Path(__file__).resolve().parent.parent),
            umask=0o077,  # the org's sqlite, snapshots and the simulator's files: owner-only
        )


def _start_dispatch_pro(state_dir: Path, creds: dict, seed: int, scale: str, corpus: str = "default") -> dict:
    port = _free_port()
    server_dir = state_dir / "dispatch_pro"
    log = server_dir / "server.log"
    env = {
        "DP_SIM_CLIENT_ID": creds["client_id"],
        "DP_SIM_CLIENT_SECRET": creds["client_secret"],
        "DP_SIM_APP_KEY": creds["app_key"],
        "DP_SIM_TENANT": creds["tenant"],
        "DP_SIM_ADMIN_TOKEN": creds["admin_token"],
    }
    args = ["--port", str(port), "--seed", str(seed), "--scale", scale, "--state-dir", str(server_dir)]
    args += ["--corpus", corpus]
    proc = _spawn("sandbox.dispatch_pro", args, env, log)
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(f"{base}/health", False, proc.pid, log)
    return {
        "base_url": base,
        "token_url": f"{base}/connect/token",
        "admin_url": f"{base}/_admin",
        "client_id": creds["client_id"],
        "client_secret": creds["client_secret"],
        "app_key": creds["app_key"],
        "tenant": creds["tenant"],
        "admin_token": creds["admin_token"],
        "seed": seed,
        "scale": scale,
        "corpus": corpus,
        "pid": proc.pid,
        "log": str(log),
    }


def _technicians_file(server_dir: Path, seed: int, scale: str) -> Path:
    """The simulator's technicians for (seed, scale) as JSON, handed to the org (its technician Users)."""
    from sandbox.dispatch_pro.generator import technicians

    server_dir.mkdir(parents=True, exist_ok=True)
    path = server_dir / "technicians.json"
    path.write_text(json.dumps(technicians(seed, scale)))
    return path


def _start_salesforce(
    state_dir: Path,
    creds: dict,
    seed: int,
    scale: str,
    person_accounts: bool = False,
    setup: dict | None = None,
) -> dict:
    port = _free_port()
    server_dir = state_dir / "salesforce"
    log = server_dir / "server.log"
    ca, cert, key = _tls_material(state_dir)
    env = {"SF_SANDBOX_ACCESS_TOKEN": creds["access_token"], "SF_SANDBOX_ADMIN_TOKEN": creds["admin_token"]}
    args = ["--port", str(port), "--state-dir", str(server_dir)]
    args += ["--certfile", str(cert), "--keyfile", str(key)]
    # the org's starting Users are derived from the simulator's technicians for the same seed and scale
    args += ["--seed", str(seed), "--scale", scale]
    args += ["--technicians", str(_technicians_file(server_dir, seed, scale))]
    if person_accounts:  # the org has Person Accounts enabled (sandbox/salesforce/person_accounts.py)
        args.append("--person-accounts")
    if setup:  # record types, duplicate rules, automation in the starting state (salesforce/setup_profile.py)
        profile = server_dir / "setup.json"
        profile.parent.mkdir(parents=True, exist_ok=True)
        profile.write_text(json.dumps(setup))
        args += ["--setup", str(profile)]
    proc = _spawn("sandbox.salesforce", args, env, log)
    instance = f"https://127.0.0.1:{port}"
    _wait_healthy(f"{instance}/health", str(ca), proc.pid, log)
    return {
        "instance_url": instance,
        # the org's login host (login.salesforce.com's stand-in: a JWT's aud; OAuth token endpoint)
        "login_url": f"https://localhost:{port}",
        "token_url": f"{instance}/services/oauth2/token",
        "username": "integration.0@dp2sf.sandbox",  # the org's first User, the static token's
        "access_token": creds["access_token"],
        "ca_cert": str(ca),
        "api_version": "62.0",
        "admin_url": f"{instance}/_admin",
        "admin_token": creds["admin_token"],
        "pid": proc.pid,
        "log": str(log),
        "person_accounts": person_accounts,
        "setup": setup or {},
    }


def up(
    state_dir: Path,
    *,
    seed: int = 42,
    scale: str = "tiny",
    which: tuple[str, ...] = SERVERS,
    person_accounts: bool = False,
    setup: dict | None = None,
    corpus: str = "default",
) -> dict:
    """Start the requested servers (reusing any already running) and write ``endpoints.json``.

    ``person_accounts`` starts the org with Person Accounts enabled (they stay on in its state); ``setup``
    with a setup profile (``{kind: [admin bodies]}``: record types, duplicate rules, automation; kept across
    resets). A running org is restarted when it was started without what is asked.
    ``corpus="hostile"`` has the Dispatch Pro simulator serve its hostile corpus (template code, HTML,
    formulas, NULs ... in every kind of source text; ``sandbox/dispatch_pro/hostile.py``)."""
    state_dir = Path(state_dir)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    creds = _credentials(state_dir)
    endpoints = read_endpoints(state_dir)
    for name in which:
        current = endpoints.get(name)
        if current and _pid_alive(current.get("pid")):
            if name == "salesforce" and (
                (not person_accounts or current.get("person_accounts"))
                and (setup is None or current.get("setup") == setup)
            ):
                continue
            running = (current.get("seed"), current.get("scale"), current.get("corpus", "default"))
            if name == "dispatch_pro" and running == (seed, scale, corpus):
                continue
            _stop(current)
        if name == "dispatch_pro":
            endpoints[name] = _start_dispatch_pro(state_dir, creds[name], seed, scale, corpus)
        elif name == "salesforce":
            endpoints[name] = _start_salesforce(state_dir, creds[name], seed, scale, person_accounts, setup)
        else:
            raise SandboxError(f"unknown sandbox server {name!r}; choose from {', '.join(SERVERS)}")
        _write_endpoints(state_dir, endpoints)
    return endpoints


def _stop(entry: dict, timeout: float = 10.0) -> None:
    pid = entry.get("pid")
    if not _pid_alive(pid):
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    if _pid_alive(pid):
        os.killpg(pid, signal.SIGKILL)


def down(state_dir: Path, which: tuple[str, ...] = SERVERS) -> list[str]:
    """Stop the servers named in ``which``; returns the names that were running."""
    state_dir = Path(state_dir)
    endpoints = read_endpoints(state_dir)
    stopped = []
    for name in which:
        entry = endpoints.get(name)
        if entry and _pid_alive(entry.get("pid")):
            _stop(entry)
            stopped.append(name)
        endpoints.pop(name, None)
    if endpoints:
        _write_endpoints(state_dir, endpoints)
    elif (state_dir / "endpoints.json").exists():
        (state_dir / "endpoints.json").unlink()
    return stopped


def status(state_dir: Path) -> dict[str, dict]:
    """For each server: running or not, and where (no secrets)."""
    endpoints = read_endpoints(Path(state_dir))
    out = {}
    for name in SERVERS:
        entry = endpoints.get(name)
        running = bool(entry) and _pid_alive(entry.get("pid"))
        url = (entry or {}).get("base_url") or (entry or {}).get("instance_url")
        out[name] = {"running": running, "url": url if running else None, "pid": (entry or {}).get("pid")}
    return out
