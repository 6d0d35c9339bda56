"""Workbench settings: one place per setting, read from the environment (prefix ``DP2SF_``)."""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.errors import Dp2sfError

PROJECT_DIR = Path(__file__).resolve().parent.parent


MEMORY_LIMIT_RE = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)|\d{1,3}(\.\d+)?\s*%")


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
    # how to log in to the org (issue 20; core/connection.py): DP2SF_SF_ORG names an org the admin authorised
    # with the Salesforce CLI (alias or username); DP2SF_SF_AUTH picks a flow: auto | sf_cli | jwt |
    # client_credentials | token | password (secrets come from SF_* env vars or dlt secrets, never from here)
    sf_org: str | None = None
    sf_auth: str = "auto"
    sf_cli: str = "sf"  # the Salesforce CLI executable
    # residential customers as Person Accounts (issue 20 §3): None = on where the org's Account describe
    # shows IsPersonAccount (expectations.org.person_accounts_on); true/false forces it. The transform passes
    # it to dbt as the var `person_accounts` and records it in the build stamp and the mapping hash
    person_accounts: bool | None = None
    sandbox_seed: int = 42
    sandbox_scale: str = "tiny"
    # the customer's Dispatch Pro export folder (playbooks, dashboards, dispatch metadata: not in the public
    # API); also dlt config `sources.dispatch_pro.exports_folder`; the simulator writes one of its own
    exports_dir: Path | None = None
    # loader (issue 10): rows per Bulk API 2.0 job (one upload each, also capped at ~100 MB), the share of the
    # org's daily allowance at which a run stops cleanly, the owner for unmatched technicians, lock retries
    load_chunk_rows: int = 10_000
    load_stop_share: float = 0.9
    load_fallback_owner_email: str = "integration@dp2sf.sandbox"
    load_lock_retries: int = 3
    # before each re-send of rows a lock refused, a random wait of up to this many seconds, doubling per sweep
    # (capped at 60 s): the job holding the parent finishes meanwhile, and parallel lanes stop re-colliding
    load_lock_retry_seconds: float = Field(default=2.0, ge=0, le=60)
    # objects of one plan level loading side by side when they share no parent record (issue 10)
    load_parallel_objects: int = 3
    # new records keep the source's creation time where the org grants "Set Audit Fields upon Record Creation"
    load_keep_created_date: bool = True
    delta_inactive_policy: str = "flag"  # flag | leave | delete: source records that became inactive
    # how people in the source write numbers and dates in custom properties (dbt var source_locale,
    # dbt_project/macros/locale.sql): a value the locale reads two ways is flagged, never guessed
    source_locale: Literal["en_US", "en_GB", "en_AU", "de_DE", "es_ES", "it_IT", "nl_NL", "fr_FR"] = "en_US"
    # the GX file context lives in <gx_project_dir>/gx (issue 11: gates)
    gx_project_dir: Path = Field(default=PROJECT_DIR / "expectations")
    # the engine `dp2sf transform` runs the dbt project on (issue 22): duckdb (default) | spark (dbt-spark,
    # session method, pyspark in local mode; reads the raw tables as parquet, see raw_parquet_url)
    transform_engine: Literal["duckdb", "spark"] = "duckdb"
    # where dlt's filesystem destination lands the raw tables as parquet (any fsspec URL dlt knows);
    # default data/raw_parquet
    raw_parquet_url: str | None = None
    # DuckDB's buffer cap while dbt builds the mapping: a size (1500MB, 2GiB) or a share of RAM (80%, DuckDB's
    # default); above it DuckDB spills to disk. On a small machine, or beside other work, cap it
    duckdb_memory_limit: str = "80%"
    # pyspark local mode for --engine spark: master, driver memory, shuffle partitions (one small machine)
    spark_master: str = "local[2]"
    spark_driver_memory: str = "1g"
    spark_shuffle_partitions: int = 2

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_limit(cls, value: str) -> str:
        if not MEMORY_LIMIT_RE.fullmatch(value.strip()):
            # checked here, not by DuckDB mid-build
            raise ValueError(
                f"a size such as 1500MB or 2GiB, or a share of RAM such as 80%: not {value[:40]!r}"
            )
        return value.strip()

    @cached_property
    def duckdb_path(self) -> Path:
        return self.data_dir / self.duckdb_file

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def endpoints_file(self) -> Path:
        return self.sandbox_dir / "endpoints.json"


class SettingsError(Dp2sfError):
    """A setting has a value it cannot take (the message names the setting and its environment variable)."""

    exit_code = 4  # bad settings: nothing changed (README, troubleshooting by exit code)


# ``SF_DOMAIN``: simple-salesforce logs in at https://<domain>.salesforce.com: login, test, or a My Domain
# (acme.my, acme--uat.sandbox.my); DNS labels only, so no scheme, path, port, user or other host can follow
SF_DOMAIN_RE = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


def sf_domain(value: str | None) -> str:
    """``SF_DOMAIN`` checked (``login`` when unset); ``ValueError`` for anything but DNS labels."""
    text = (value or "").strip() or "login"
    if len(text) > 200 or not SF_DOMAIN_RE.fullmatch(text):
        raise ValueError(
            f"SF_DOMAIN must be login, test or a My Domain such as acme.my (letters, digits, '-' and '.'), "
            f"not {text[:60]!r}"
        )
    return text


def get_settings(**overrides) -> Settings:
    """Build settings from the environment, with explicit overrides (tests, notebooks); a bad value is a
    :class:`SettingsError` naming the ``DP2SF_`` variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"DP2SF_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise SettingsError(f"bad setting: {problems}") from None
