"""Shared fixtures: the sandbox servers over real HTTP(S), and the optional ../shared reference."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from core.settings import Settings, get_settings
from sandbox import control
from tests.loader.helpers import Admin, fresh_workspace

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = PROJECT_DIR.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """``../shared/reference``; tests that compare against it skip cleanly when it is absent."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is absent (fresh clone without the shared folder)")
    return SHARED_REFERENCE


def start_sandbox(state_dir: Path, which: tuple[str, ...], seed: int = 42, scale: str = "tiny") -> dict:
    """Start the named sandbox servers in ``state_dir``; the caller stops them with ``control.down``."""
    return control.up(state_dir, seed=seed, scale=scale, which=which)


@pytest.fixture(scope="session")
def dispatch_pro_endpoints(tmp_path_factory) -> dict:
    """A Dispatch Pro simulator (seed 42, tiny) shared by the session; tests must not mutate it."""
    state = tmp_path_factory.mktemp("sandbox_dp")
    yield start_sandbox(state, ("dispatch_pro",))["dispatch_pro"]
    control.down(state)


@pytest.fixture(scope="session")
def salesforce_endpoints(tmp_path_factory) -> dict:
    """A Salesforce sandbox org shared by the session; tests that change it use their own records."""
    state = tmp_path_factory.mktemp("sandbox_sf")
    yield start_sandbox(state, ("salesforce",))["salesforce"]
    control.down(state)


# -- the tiny tier built once per worker through the real stages (loader and review tests share it) ----
@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Settings:
    """sandbox up → extract → inventory → schema deploy → transform, once (tiny tier, seed 42)."""
    from dlt_pipelines.pipeline import run_extract
    from mapping.inventory import run_inventory
    from mapping.schema_deploy import deploy_to_sandbox
    from mapping.transform import run_transform

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
