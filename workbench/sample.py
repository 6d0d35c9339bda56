"""``dp2sf sample``: the sample migration, the checkpoint before the full run.

Steps (each a function, so a test can act between them):

1. ``select_sample``: a stratified sample of jobs and every raw row they need (``loaders.sample_select``),
   copied to ``build/sample/<id>/raw.duckdb`` (the main DuckDB is only read);
2. ``build_sample``: ``dbt build`` and the gates on that DuckDB (the same transform and validate as a full
   run, with settings whose ``data_dir``/``build_dir`` point into the sample folder; files are the main
   file store, linked);
3. ``load_sample``: the loader (``run_load(kind="sample")``) into the sample target: the embedded sandbox org
   by default, a real Salesforce sandbox with ``--target salesforce`` (the ``SF_*`` environment);
4. ``read_back_sample`` then ``diff_sample_run``: every mapped field of every sampled record read back by
   SOQL and classified (``loaders.sample_diff``);
5. ``record_sample``: a ``ledger.runs`` row (kind ``sample``, the mapping hash) and ``ledger.sample_findings``
   in the MAIN DuckDB, CSVs under ``reports/<run>/sample_diff/``; ``render_report``:
   ``reports/<run>/sample_diff.html``.

The sample's own ledger (operations, before-images) stays in its DuckDB: roll the sample back with
``DP2SF_DATA_DIR=build/sample/<run> DP2SF_DUCKDB_FILE=raw.duckdb dp2sf rollback <run>``.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import Dp2sfError
from core.ids import new_run_id
from core.settings import Settings
from core.stamp import built_invoices, built_person_accounts

SAMPLE_DB = "raw.duckdb"


class SampleError(Dp2sfError):
    """The sample could not be built, loaded or compared (the message says what to do)."""


@dataclass
class SampleRun:
    """One sample run as it goes: the main settings, the sample's settings and folder, what was chosen."""

    settings: Settings
    sample: Settings
    sample_dir: Path
    selection: object  # loaders.sample_select.Selection
    invoices: str = "custom"  # the main build's invoice mode (its build stamp)
    mapping_hash: str | None = None
    run_id: str | None = None
    load: object | None = None  # loaders.load.LoadResult
    findings: pd.DataFrame | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def report_dir(self) -> Path:
        return Path(self.settings.reports_dir) / str(self.run_id)


@dataclass
class SampleResult:
    run_id: str
    jobs: int
    counts: dict[str, int]  # finding -> fields
    blocking: int
    html: Path | None
    csv_dir: Path
    sample_dir: Path
    seconds: dict[str, float]


def sample_settings(settings: Settings, sample_dir: Path, target: str | None = None) -> Settings:
    """The main settings with the DuckDB, the build folder and the file store of the sample."""
    values = settings.model_dump()
    values.update(
        data_dir=sample_dir,
        duckdb_file=SAMPLE_DB,
        build_dir=sample_dir / "build",
        target=target or settings.target,
    )
    return Settings(**values)


def _link_files(settings: Settings, sample_dir: Path) -> None:
    link = sample_dir / "files"
    if Path(settings.files_dir).exists() and not link.exists():
        try:
            link.symlink_to(Path(settings.files_dir).resolve(), target_is_directory=True)
        except OSError as exc:  # no symlinks (some Windows setups): the loader would miss the files
            raise SampleError(f"cannot link the file store into {sample_dir}: {exc}") from None


def select_sample(
    settings: Settings, size: int = 300, seed: int = 42, target: str | None = None
) -> SampleRun:
    """Choose the jobs and copy their raw rows to ``build/sample/<id>/raw.duckdb``."""
    from loaders.sample_select import SampleSelectError, copy_sample

    if size < 1:
        raise SampleError(f"--size must be at least 1, not {size}")
    if not Path(settings.duckdb_path).is_file():
        raise SampleError(f"no DuckDB at {settings.duckdb_path}: run `dp2sf extract` first")
    started = time.perf_counter()
    stamp = new_run_id("sample")
    sample_dir = Path(settings.build_dir) / "sample" / f"building-{stamp}"
    try:
        selection = copy_sample(Path(settings.duckdb_path), sample_dir / SAMPLE_DB, size, seed)
    except SampleSelectError as exc:
        raise SampleError(str(exc)) from None
    _link_files(settings, sample_dir)
    manifest = Path(settings.build_dir) / "manifest.csv"
    (sample_dir / "build").mkdir(parents=True, exist_ok=True)
    if manifest.is_file():
        (sample_dir / "build" / "manifest.csv").write_bytes(manifest.read_bytes())
    invoices = built_invoices(settings.duckdb_path)
    run = SampleRun(settings, sample_settings(settings, sample_dir, target), sample_dir, selection, invoices)
    run.seconds["select"] = time.perf_counter() - started
    write_selection(run)
    return run


def write_selection(run: SampleRun) -> Path:
    s = run.selection
    path = run.sample_dir / "selection.json"
    path.write_text(
        json.dumps(
            {
                "seed": s.seed,
                "size": s.size,
                "jobs": s.jobs,
                "strata": {k: sorted(v) for k, v in s.strata.items()},
                "covered": {k: sorted(v) for k, v in s.covered.items()},
                "missing": {k: sorted(v) for k, v in s.missing.items()},
                "rows": s.rows,
                "source_rows": s.source_rows,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return path


def build_sample(run: SampleRun, refresh_gates: bool = False) -> None:
    """``dbt build`` and the gates on the sample's DuckDB; the mapping hash is the sample build's stamp."""
    from expectations.validate import StaleSuitesError, ValidateError, run_validate
    from mapping.transform import TransformError, run_transform

    started = time.perf_counter()
    try:
        built = run_transform(
            run.sample,
            invoices=run.invoices,
            docs=False,
            person_accounts=built_person_accounts(run.settings.duckdb_path),  # the main build's shape
        )
    except TransformError as exc:
        raise SampleError(f"dbt build of the sample failed: {exc}") from None
    try:
        run_validate(run.sample, refresh=refresh_gates, data_docs=False)
    except StaleSuitesError as exc:
        raise SampleError(f"{exc} (then run the sample again)") from None
    except ValidateError as exc:
        raise SampleError(f"the gates could not run on the sample: {exc}") from None
    run.mapping_hash = built.stamp.mapping_hash
    run.seconds["build"] = time.perf_counter() - started


def load_sample(run: SampleRun, org=None) -> object:
    """The loader into the sample target; the sample folder is renamed after the load run's id."""
    from loaders.load import LoadError, run_load

    started = time.perf_counter()
    try:
        result = run_load(run.sample, kind="sample", org=org)
    except LoadError as exc:
        raise SampleError(f"the sample load failed: {exc}") from None
    run.load, run.run_id = result, result.run_id
    final = run.sample_dir.parent / result.run_id
    os.replace(run.sample_dir, final)
    run.sample_dir = final
    run.sample = sample_settings(run.settings, final, run.sample.target)
    run.seconds["load"] = time.perf_counter() - started
    return result


def _org(run: SampleRun, org=None):
    if org is not None:
        return org
    from core.connection import org_client

    try:
        return org_client(run.sample)
    except Exception as exc:  # noqa: BLE001 - any connection problem is reported the same way
        raise SampleError(f"cannot connect to the {run.sample.target} org: {exc}") from None


def read_back_sample(run: SampleRun, org=None) -> dict:
    """Every mapped field of every sampled record, from the org."""
    from loaders.load import make_plan, open_db
    from loaders.sample_diff import read_back

    started = time.perf_counter()
    org = _org(run, org)
    con = open_db(run.sample)
    try:
        readback = read_back(org, con, make_plan(run.sample, con))
    finally:
        con.close()
    run.seconds["read_back"] = time.perf_counter() - started
    return readback


def diff_sample_run(run: SampleRun, readback: dict, org=None) -> pd.DataFrame:
    """Classify every field of every sampled record (source, intended and org values)."""
    from loaders.ledger import approved_lineage
    from loaders.load import make_plan, open_db
    from loaders.sample_diff import diff_sample
    from loaders.sample_source import SourceValues, lineage_map, read_lineage_rows
    from loaders.sample_verdict import SourceChecks

    if run.run_id is None:
        raise SampleError("the sample has not been loaded yet: load_sample first")
    started = time.perf_counter()
    org = _org(run, org)
    current = read_lineage_rows(Path(run.sample.build_dir) / "lineage.csv")
    approved: list[dict[str, str]] = []
    if run.settings.duckdb_path.is_file():  # the approvals live in the main DuckDB
        with duckdb.connect(str(run.settings.duckdb_path), read_only=True) as main:
            approved = approved_lineage(main)[1]
    con = open_db(run.sample)
    try:
        sources = SourceValues(con, lineage_map(current + approved))
        checks = SourceChecks.read(con, current, approved, sources)
        run.findings = diff_sample(
            run.sample, con, org, make_plan(run.sample, con), run.run_id, readback, sources, checks
        )
    finally:
        con.close()
    run.seconds["diff"] = time.perf_counter() - started
    return run.findings


def record_sample(run: SampleRun, mask_pii: bool = False) -> dict[str, Path]:
    """The ``ledger.runs`` row (kind sample) and the findings in the MAIN DuckDB; the CSVs (masked with
    ``mask_pii``: they sit beside the report that may be shared; the ledger keeps the values)."""
    from loaders.sample_diff import FINDING_COLUMNS, write_csvs, write_findings

    findings = run.findings if run.findings is not None else pd.DataFrame(columns=FINDING_COLUMNS)
    status = "completed" if run.load is not None and run.load.status == "completed" else "stopped"
    blocking = int(findings["blocking"].sum()) if not findings.empty else 0
    message = (
        f"{len(run.selection.jobs)} jobs (seed {run.selection.seed}) in {run.sample_dir}; "
        f"{len(findings)} fields compared, {blocking} blocking findings"
    )
    from loaders.ledger import record_sample_run

    started = _load_started(run) or datetime.now(UTC).replace(tzinfo=None)
    with duckdb.connect(str(run.settings.duckdb_path)) as con:
        record_sample_run(con, run.run_id, run.sample.target, run.mapping_hash, started, status, message)
    write_findings(run.settings.duckdb_path, str(run.run_id), findings)
    paths = write_csvs(run.report_dir / "sample_diff", for_display(findings, mask_pii))
    selection = run.report_dir / "sample_diff" / "selection.json"
    selection.write_bytes((run.sample_dir / "selection.json").read_bytes())
    paths["selection"] = selection
    return paths


def _load_started(run: SampleRun) -> datetime | None:
    from loaders.ledger import run_started

    with duckdb.connect(str(run.sample.duckdb_path), read_only=True) as con:
        return run_started(con, run.run_id)


def render_report(run: SampleRun, mask_pii: bool = False) -> Path:
    """``reports/<run>/sample_diff.html`` from ``notebooks/sample_diff.ipynb``."""
    from reporting.notebook import NotebookError, render_notebook

    try:
        return render_notebook(
            "sample_diff.ipynb",
            run.report_dir,
            {
                "duckdb_path": str(run.settings.duckdb_path),
                "run_id": run.run_id,
                "csv_dir": str(run.report_dir / "sample_diff"),
                "mask_pii": mask_pii,
            },
        )
    except NotebookError as exc:
        raise SampleError(str(exc)) from None


def for_display(frame: pd.DataFrame, mask_pii: bool = False) -> pd.DataFrame:
    """Every table the sample report shows passes here (one place for ``--mask-pii``)."""
    from core.pii import maybe_mask

    return maybe_mask(frame, mask_pii)


def run_sample(
    settings: Settings,
    size: int = 300,
    seed: int = 42,
    target: str | None = None,
    report: bool = True,
    refresh_gates: bool = False,
    mask_pii: bool = False,
) -> SampleResult:
    """Select, build, load, read back, diff, record and report a sample run."""
    run = select_sample(settings, size, seed, target)
    build_sample(run, refresh_gates)
    load_sample(run)
    readback = read_back_sample(run)
    findings = diff_sample_run(run, readback)
    paths = record_sample(run, mask_pii)
    html = None
    if report:
        started = time.perf_counter()
        html = render_report(run, mask_pii=mask_pii)
        run.seconds["report"] = time.perf_counter() - started
    counts = findings["finding"].value_counts().to_dict() if not findings.empty else {}
    return SampleResult(
        run_id=str(run.run_id),
        jobs=len(run.selection.jobs),
        counts={k: int(v) for k, v in counts.items()},
        blocking=int(findings["blocking"].sum()) if not findings.empty else 0,
        html=html,
        csv_dir=paths["findings"].parent,
        sample_dir=run.sample_dir,
        seconds=run.seconds,
    )


LOSSES = ("dropped", "lost_edge")  # a source value the org does not hold and nothing flags or declares


def value_losses(settings: Settings, run_id: str) -> list[str]:
    """``object.field`` of every ``dropped`` or ``lost_edge`` finding of a sample run (main DuckDB), with
    how many records lost a value; the demo fails on them (flagged values wait for a person instead)."""
    from loaders.sample_diff import read_findings

    findings = read_findings(settings.duckdb_path, run_id)
    lost = findings[findings["finding"].isin(LOSSES)]
    counts = lost.groupby(["object", "field", "finding"]).size()
    return [f"{obj}.{fld}: {n} {kind}" for (obj, fld, kind), n in counts.items()]
