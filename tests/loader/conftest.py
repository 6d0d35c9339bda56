"""Tiny-tier marts built once per session through the real stages; each test gets a reset org and a fresh
copy of the DuckDB (no ledger)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from sandbox import control
from tests.loader.helpers import Admin, fresh_workspace
from workbench.settings import Settings, get_settings


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Settings:
    """sandbox up → extract → inventory → schema deploy → transform, once (tiny tier, seed 42)."""
    from dlt_pipelines.pipeline import run_extract
    from workbench.inventory import run_inventory
    from workbench.schema_deploy import deploy_to_sandbox
    from workbench.transform import run_transform

    base = tmp_path_factory.mktemp("loader_build")
    settings = get_settings(
        sandbox_dir=base / "sandbox",
        data_dir=base / "data",
        build_dir=base / "build",
        reports_dir=base / "reports",
        load_chunk_rows=400,
    )
    control.up(settings.sandbox_dir, seed=42, scale="tiny")
    try:
        run_extract(settings, full=True, console=Console(quiet=True))
        run_inventory(settings)
        deploy_to_sandbox(settings)
        run_transform(settings, docs=False)
        yield settings
    finally:
        control.down(settings.sandbox_dir)


@pytest.fixture()
def workspace(built: Settings, tmp_path: Path) -> Settings:
    return fresh_workspace(built, tmp_path)


@pytest.fixture()
def admin(built: Settings) -> Admin:
    return Admin.of(built.sandbox_dir)
