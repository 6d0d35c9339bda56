"""Workbench settings: one place per setting, read from the environment (prefix ``DP2SF_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_DIR = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Paths and choices every stage shares. Secrets never live here: they come from dlt secrets or env."""

    model_config = SettingsConfigDict(env_prefix="DP2SF_", extra="ignore")

    project_dir: Path = PROJECT_DIR
    sandbox_dir: Path = Field(default=PROJECT_DIR / ".sandbox")
    data_dir: Path = Field(default=PROJECT_DIR / "data")
    build_dir: Path = Field(default=PROJECT_DIR / "build")
    reports_dir: Path = Field(default=PROJECT_DIR / "reports")
    duckdb_file: str = "dp2sf.duckdb"
    source: str = "simulator"  # simulator | servicetitan
    target: str = "sandbox"  # sandbox | salesforce
    sandbox_seed: int = 42
    sandbox_scale: str = "tiny"
    # the GX file context lives in <gx_project_dir>/gx (issue 11: gates)
    gx_project_dir: Path = Field(default=PROJECT_DIR / "expectations")

    @cached_property
    def duckdb_path(self) -> Path:
        return self.data_dir / self.duckdb_file

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def endpoints_file(self) -> Path:
        return self.sandbox_dir / "endpoints.json"


def get_settings(**overrides) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, notebooks)."""
    return Settings(**overrides)
