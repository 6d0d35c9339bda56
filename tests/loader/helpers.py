"""The loader's test rig: the sandbox org's admin API and fresh copies of the tiny-tier DuckDB."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import requests

from core.connection import connect
from core.org_api import OrgClient
from core.settings import Settings, get_settings
from mapping.schema_deploy import deploy_to_sandbox
from sandbox.control import read_endpoints


@dataclass
class Admin:
    """The org's test-only admin API (/_admin): reset, snapshots and diffs, faults, stats."""

    url: str
    token: str
    ca_cert: str

    @classmethod
    def of(cls, sandbox_dir: Path) -> Admin:
        sf = read_endpoints(sandbox_dir)["salesforce"]
        return cls(sf["admin_url"], sf["admin_token"], sf["ca_cert"])

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        s = requests.Session()
        s.trust_env = False
        r = s.request(
            method,
            self.url + path,
            json=body,
            headers={"X-Admin-Token": self.token},
            verify=self.ca_cert,
            timeout=120,
        )
        r.raise_for_status()
        return r.json()

    def reset(self) -> None:
        self._call("POST", "/reset")

    def snapshot(self) -> str:
        return self._call("POST", "/snapshot")["snapshot_id"]

    def diff(self, a: str, b: str) -> dict:
        return self._call("GET", f"/snapshots/{a}/diff/{b}")

    def faults(self, **settings) -> dict:
        return self._call("POST", "/faults", settings)

    def outages(self, **body) -> dict:
        """``restart``, ``hang`` or ``fail`` (see sandbox/salesforce/README.md, Outages); ``clear=True``."""
        return self._call("POST", "/outages", body)

    def stats(self) -> dict:
        return self._call("GET", "/stats")

    def settings(self, **body) -> dict:
        return self._call("POST", "/settings", body)

    def clock(self, offset_seconds: float) -> dict:
        """Set the org's clock ``offset_seconds`` apart from ours (a reset puts it back)."""
        return self._call("POST", "/clock", {"offset_seconds": offset_seconds})


def fresh_workspace(built: Settings, tmp: Path) -> Settings:
    """A reset org with the schema deployed, and a copy of the built DuckDB (no ledger yet) in ``tmp``."""
    admin = Admin.of(built.sandbox_dir)
    admin.reset()
    data = tmp / "data"
    data.mkdir(parents=True, exist_ok=True)
    shutil.copy(built.duckdb_path, data / built.duckdb_file)
    if built.files_dir.exists() and not (data / "files").exists():
        (data / "files").symlink_to(built.files_dir)
    settings = get_settings(
        sandbox_dir=built.sandbox_dir,
        data_dir=data,
        build_dir=built.build_dir,
        reports_dir=tmp / "reports",
        load_chunk_rows=built.load_chunk_rows,
    )
    deploy_to_sandbox(settings)
    return settings


def org_client(settings: Settings, **options) -> OrgClient:
    """An org client for ``settings`` (``options``: attempts, max_wait, timeout of :class:`OrgClient`)."""
    return OrgClient(connect("sandbox", settings.endpoints_file), settings.load_stop_share, **options)


def cli_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a ``python -m workbench`` child process working on ``settings``'s folders (and
    ``extra``)."""
    env = {**os.environ, **extra}
    for name in ("sandbox_dir", "data_dir", "reports_dir", "build_dir"):
        env[f"DP2SF_{name.upper()}"] = str(getattr(settings, name))
    env["DP2SF_LOAD_CHUNK_ROWS"] = str(settings.load_chunk_rows)
    return env
