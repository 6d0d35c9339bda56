"""The tiny tier built once per test session through the real stages: sandbox up (simulator + org over
HTTPS), extract, inventory, schema deploy, transform. Tests copy the DuckDB file before changing it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.settings import Settings, get_settings
from sandbox import control


@dataclass
class TinyRun:
    settings: Settings
    root: Path

    def copy(self, name: str) -> Settings:
        """Settings on a private copy of the DuckDB file and a fresh GX context (same org)."""
        data = self.root / name / "data"
        data.mkdir(parents=True)
        shutil.copy(self.settings.duckdb_path, data / self.settings.duckdb_file)
        update = {
            "data_dir": data,
            "reports_dir": self.root / name / "reports",
            "gx_project_dir": self.root / name / "gx_project",
        }
        return get_settings(**{**self.settings.model_dump(), **update})


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> TinyRun:
    from dlt_pipelines.pipeline import run_extract
    from mapping.inventory import run_inventory
    from mapping.schema_deploy import deploy_to_sandbox
    from mapping.transform import run_transform

    root = tmp_path_factory.mktemp("gates_tiny")
    settings = get_settings(
        sandbox_dir=root / "sandbox",
        data_dir=root / "data",
        build_dir=root / "build",
        reports_dir=root / "reports",
        gx_project_dir=root / "gx_project",
        sandbox_scale="tiny",
    )
    control.up(settings.sandbox_dir, seed=settings.sandbox_seed, scale="tiny")
    try:
        run_extract(settings, full=True)
        run_inventory(settings)
        deploy_to_sandbox(settings)
        run_transform(settings, docs=False)
        yield TinyRun(settings, root)
    finally:
        control.down(settings.sandbox_dir)
