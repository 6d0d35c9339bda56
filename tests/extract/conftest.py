"""Fixtures for the extract tests: a simulator per test module, started in a temp dir over real HTTP."""

from __future__ import annotations

import pytest
from extract_support import Sim

from sandbox import control


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Sim:
    """A fresh Dispatch Pro simulator (seed 42, tiny) that this module's tests may mutate."""
    state = tmp_path_factory.mktemp("dp_sim")
    endpoints = control.up(state, seed=42, scale="tiny", which=("dispatch_pro",))
    try:
        yield Sim(state, endpoints["dispatch_pro"])
    finally:
        control.down(state)
