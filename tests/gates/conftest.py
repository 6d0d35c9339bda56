"""The gates run on the tiny tier of tests/conftest.py (``built``: one build per test run, shared by the
workers); a test that writes takes ``tests.build_cache.private_copy(built, tmp_path)``.

``tiny`` is the old name, kept for tests written before the fold: it is ``built``, not a second build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import Settings
from tests.build_cache import private_copy


@dataclass
class TinyRun:
    settings: Settings
    root: Path

    def copy(self, name: str) -> Settings:
        """Settings on a private copy of the DuckDB file and a fresh GX context (same org)."""
        return private_copy(self.settings, self.root / name)


@pytest.fixture(scope="session")
def tiny(built: Settings, tmp_path_factory) -> TinyRun:
    return TinyRun(built, tmp_path_factory.mktemp("gates_tiny"))
