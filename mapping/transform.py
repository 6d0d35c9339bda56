"""``dp2sf transform``: ``dbt build`` of the mapping (seeds, models, data and unit tests), the source-field
accounting (``mapping.lineage``: every raw column mapped or declared; ``build/lineage.csv``), static docs.

dbt runs in a subprocess (so its DuckDB connection is closed when it ends: DuckDB allows one writer per file
and later stages open the file) against the DuckDB file the extract wrote (``settings.duckdb_path``; the
profile reads it from ``DP2SF_DUCKDB_PATH``). Marts land in schema ``salesforce``, held-back rows in
``quarantine``. dbt's target and logs go under ``settings.build_dir / "dbt"`` so parallel runs with different
settings never share them. A failing node raises ``TransformError`` naming every failing node.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core.errors import Dp2sfError
from core.fields import DBT_DIR, load_field_list
from core.mapping_hash import mapping_hash
from core.settings import Settings
from core.stamp import INVOICE_MODES, BuildStamp, write_build_stamp
from mapping.contracts import write_mart_properties
from mapping.dbt_parse_cache import keep_parse, seed_parse
from mapping.lineage import LineageError, run_accounting
from mapping.transform_spark import expose_in_duckdb, run_spark_dbt

ENGINES = ("duckdb", "spark")


class TransformError(Dp2sfError):
    """dbt failed: the message lists the failing nodes and their errors."""


@dataclass
class TransformResult:
    """What a transform did: node outcomes, rows per mart, quarantined rows, where the docs are."""

    duckdb_path: Path
    seconds: float
    passed: int
    warned: int
    failed: int
    skipped: int
    mart_rows: dict[str, int] = field(default_factory=dict)
    quarantined_rows: dict[str, int] = field(default_factory=dict)
    flagged_values: int = 0  # custom-property values not loaded, listed in quarantine.flagged_values
    docs_path: Path | None = None
    regenerated: list[str] = field(default_factory=list)
    lineage_path: Path | None = None  # build/lineage.csv: raw table.column -> object.field, transformation
    lineage_rows: int = 0
    stamp: BuildStamp | None = None  # salesforce.build_stamp: the mapping hash and invoice mode built
    engine: str = "duckdb"  # where dbt ran: duckdb, or spark (its tables copied into the DuckDB)


WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def dbt_args(
    settings: Settings, command: list[str], invoices: str = "custom", person_accounts: bool = False
) -> list[str]:
    """The dbt CLI arguments for ``command`` with this project, profile, target dir and vars."""
    target = settings.build_dir / "dbt"
    return [
        *command,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(target / "target"),
        "--log-path",
        str(target / "logs"),
        "--vars",
        dbt_vars(invoices, settings.source_locale, person_accounts),
    ]


def dbt_vars(invoices: str, source_locale: str, person_accounts: bool) -> str:
    """The ``--vars`` of every build of this project: ``dp2sf transform``'s and both sides of ``dp2sf map
    diff`` (so a diff is built in the shape of the user's marts). JSON, which dbt reads as YAML: a value is
    quoted, never read as more vars. dbt compares the parsed vars for its partial parse, not this text."""
    return json.dumps(
        {"invoices": invoices, "source_locale": source_locale, "person_accounts": person_accounts}
    )


@dataclass
class DbtRun:
    """One dbt invocation: exit code, its output, and the node results from ``run_results.json``."""

    returncode: int
    output: str
    results: list[dict]

    def failures(self) -> list[str]:
        lines = []
        for r in self.results:
            if r["status"] in ("error", "fail", "runtime error"):
                message = [m.strip() for m in (r.get("message") or "").strip().splitlines() if m.strip()]
                # the first line is dbt's summary; a test that names values (unmapped source values) says
                # them on the next lines: up to five of them, so `dp2sf transform` names what to fix
                lines.append(f"{r['unique_id']} ({r['status']}): " + " | ".join(message[:6]))
        return lines

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.results if r["status"] in statuses)


def _die_with_parent() -> None:
    """In the dbt child, before exec: the kernel kills it when its parent dies (``PR_SET_PDEATHSIG``), so a
    ``dp2sf transform`` killed with -9 leaves no dbt behind holding the DuckDB lock."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1  # <linux/prctl.h>
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def run_dbt(
    settings: Settings,
    command: list[str],
    invoices: str = "custom",
    person_accounts: bool = False,
    engine: str = "duckdb",
) -> DbtRun:
    """Run dbt on the settings' DuckDB (or on Spark) in a subprocess; output is captured, never streamed."""
    settings.build_dir.mkdir(parents=True, exist_ok=True)
    target = settings.build_dir / "dbt" / "target"
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    if engine == "spark":
        preexec = _die_with_parent if sys.platform == "linux" else None
        args = dbt_args(settings, command, invoices, person_accounts)
        code, output = run_spark_dbt(settings, args, preexec)
        results = json.loads(results_file.read_text())["results"] if results_file.is_file() else []
        return DbtRun(code, output, results)
    # dbt runs in the DuckDB file's folder with its bare name: the profile's path is then the same for every
    # build, so the parse kept by mapping.dbt_parse_cache is valid in a new build folder
    duckdb_path = Path(settings.duckdb_path).resolve()
    env = {**os.environ, "DP2SF_DUCKDB_PATH": duckdb_path.name}
    env["DP2SF_DUCKDB_MEMORY_LIMIT"] = settings.duckdb_memory_limit  # validated and stripped by Settings
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    shape = "person" if person_accounts else "plain"
    # every value the profile reads is part of the key: dbt parses in full when one of them differs
    cap = re.sub(r"[^0-9A-Za-z]+", "_", settings.duckdb_memory_limit)
    parse_key = f"{invoices}-{settings.source_locale}-{shape}-{duckdb_path.stem}-{cap}"
    seed_parse(target, parse_key)
    proc = subprocess.run(
        [sys.executable, "-m", "dbt.cli.main", *dbt_args(settings, command, invoices, person_accounts)],
        capture_output=True,
        text=True,
        env=env,
        cwd=duckdb_path.parent,
        check=False,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
    )
    keep_parse(target, parse_key)
    results = json.loads(results_file.read_text())["results"] if results_file.is_file() else []
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, results)


def _row_counts(duckdb_path: Path, invoices: str) -> tuple[dict[str, int], dict[str, int], int]:
    objects = [o.name for o in load_field_list().enabled_objects(invoices)]
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        marts = {o: con.execute(f'select count(*) from salesforce."{o}"').fetchall()[0][0] for o in objects}
        held = dict(
            con.execute(
                "select object_name, count(distinct source_key) from quarantine.quarantine_all group by 1"
            ).fetchall()
        )
        flagged = con.execute("select count(*) from quarantine.flagged_values").fetchall()[0][0]
    return marts, held, flagged


def generate_docs(settings: Settings, invoices: str = "custom", person_accounts: bool = False) -> Path:
    """``dbt docs generate --static`` right after a build: the build compiled every node and wrote
    ``target/manifest.json``, so the docs only add the catalog (``--no-compile``; ``--no-write-json`` keeps
    the build's manifest with its compiled SQL instead of a parse without it). Returns the one-file site."""
    command = ["docs", "generate", "--static", "--no-compile", "--no-write-json"]
    generated = run_dbt(settings, command, invoices, person_accounts)
    if generated.returncode != 0:
        tail = "\n  ".join(generated.output.strip().splitlines()[-5:])
        raise TransformError(f"dbt docs generate failed:\n  {tail}")
    return settings.build_dir / "dbt" / "target" / "static_index.html"


def run_transform(
    settings: Settings,
    invoices: str = "custom",
    docs: bool = True,
    person_accounts: bool | None = None,
    engine: str | None = None,
    unit_tests: bool = False,
) -> TransformResult:
    """Refresh the mart contracts from the seeds, ``dbt build``, then the docs (:func:`generate_docs`).

    The build runs the seeds, models, contracts and data tests on the tenant's data; the mapping's unit
    tests (fixed inputs, the same answer on every tenant) run only with ``unit_tests`` — in CI, in
    ``make test`` and for ``dp2sf transform --unit-tests`` — as dbt recommends for production builds
    (https://docs.getdbt.com/docs/build/unit-tests, "only running unit tests in development or CI").

    ``person_accounts`` (default: the setting; its "auto" is resolved by the caller against the org, as
    this stage reads no org) builds residential customers as Person Accounts (issue 20 §3).
    ``engine`` (default: the setting ``transform_engine``): ``duckdb`` builds in the DuckDB file; ``spark``
    builds on Spark from the raw parquet (``dp2sf transform --engine spark`` lands it first) and copies the
    tables into the DuckDB (:mod:`mapping.transform_spark`), so every later stage reads them the same way.
    """
    person = bool(settings.person_accounts if person_accounts is None else person_accounts)
    engine = engine or settings.transform_engine
    if invoices not in INVOICE_MODES:
        raise TransformError(f"invoices must be one of {', '.join(INVOICE_MODES)}, not {invoices!r}")
    if engine not in ENGINES:
        raise TransformError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if not settings.duckdb_path.is_file():
        raise TransformError(f"no raw data at {settings.duckdb_path}: run `dp2sf extract` first")
    started = time.perf_counter()
    regenerated = write_mart_properties()
    built_from = mapping_hash(settings, invoices, person)  # the files this build reads, hashed first
    command = ["build"] if unit_tests else ["build", *WITHOUT_UNIT_TESTS]
    build = run_dbt(settings, command, invoices, person, engine)
    failures = build.failures()
    if build.returncode != 0 or failures:
        if not failures:  # dbt stopped before running nodes (parse or compile error): show its last words
            failures = [line for line in build.output.strip().splitlines()[-8:] if line.strip()]
        listed = "\n  ".join(failures)
        raise TransformError(f"dbt build failed ({len(build.failures())} failing nodes):\n  {listed}")
    if engine == "spark":
        expose_in_duckdb(settings, settings.build_dir / "dbt" / "target" / "manifest.json")
    with duckdb.connect(str(settings.duckdb_path)) as con:
        stamp = write_build_stamp(con, built_from, invoices, person, engine)
    if (
        engine == "spark"
    ):  # lineage qualifies the compiled SQL against DuckDB's tables: the DuckDB build does it
        marts, held, flagged = _row_counts(settings.duckdb_path, invoices)
        return TransformResult(
            duckdb_path=settings.duckdb_path,
            seconds=time.perf_counter() - started,
            passed=build.count("pass", "success"),
            warned=build.count("warn"),
            failed=0,
            skipped=build.count("skipped"),
            mart_rows=marts,
            quarantined_rows=held,
            flagged_values=flagged,
            regenerated=regenerated,
            stamp=stamp,
            engine=engine,
        )
    try:
        accounting = run_accounting(
            settings.build_dir / "dbt" / "target" / "manifest.json",
            settings.duckdb_path,
            settings.build_dir / "lineage.csv",
            invoices,
        )
    except LineageError as error:
        raise TransformError(str(error)) from error
    docs_path = generate_docs(settings, invoices, person) if docs else None
    marts, held, flagged = _row_counts(settings.duckdb_path, invoices)
    return TransformResult(
        duckdb_path=settings.duckdb_path,
        seconds=time.perf_counter() - started,
        passed=build.count("pass", "success"),
        warned=build.count("warn"),
        failed=len(failures),
        skipped=build.count("skipped"),
        mart_rows=marts,
        quarantined_rows=held,
        flagged_values=flagged,
        docs_path=docs_path,
        regenerated=regenerated,
        lineage_path=accounting.lineage_path,
        lineage_rows=len(accounting.rows),
        stamp=stamp,
    )
