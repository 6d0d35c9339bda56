"""Shared fixtures: the sandbox servers over real HTTP(S), and the optional ../shared reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import control

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
