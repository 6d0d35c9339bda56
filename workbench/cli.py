"""The ``dp2sf`` command line: thin verbs over stage functions that tests and notebooks call too."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from core.errors import Dp2sfError
from core.quoting import console_text
from workbench import preflight
from workbench.console import console, err
from workbench.console import fail as _fail
from workbench.preflight import INVOICE_MODES, SCALES, choose
from workbench.preflight import settings as get_settings

HELP = (
    "Dispatch Pro → Salesforce migration workbench: extract (dlt) → transform (dbt) → validate (GX gates) → "
    "load (Bulk API 2.0) → reconcile → rollback, against the local sandbox or a real ServiceTitan tenant and "
    "Salesforce org.\n\n"
    "A migration, in order: sandbox up (or SF_* for a real org) → extract → inventory → schema check / "
    "deploy → transform → validate → prescan → sample → map approve → load → delta (at cutover) → "
    "reconcile → rollback if needed. `dp2sf demo` runs the whole story on the embedded sandbox.\n\n"
    "Every verb checks its settings and connections before it changes anything. Exit codes: 0 done; 1 a "
    "stage failed (the line says why); 2 reconciliation or rollback does not add up; 3 stopped at the API "
    "limit (resume later with --resume); 4 bad settings, option or connection (nothing changed); 5 the "
    "rollback finished but left records changed in the org since alone (--force undoes them too)."
)
app = typer.Typer(help=HELP, no_args_is_help=True)
sandbox_app = typer.Typer(help="The local stand-ins: Dispatch Pro simulator and Salesforce sandbox org.")
schema_app = typer.Typer(help="Compare the custom-field manifest with the target org.")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(schema_app, name="schema")
OPTIONS = {"verbose": False}


@app.callback()
def _global_options(
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Show dlt's own progress log and every stage's detail.")
    ] = False,
) -> None:
    """Options for every verb."""
    OPTIONS["verbose"] = verbose


@sandbox_app.command("up")
def sandbox_up(
    seed: Annotated[int, typer.Option(help="Generator seed for the Dispatch Pro simulator.")] = None,
    scale: Annotated[str, typer.Option(help="Data scale: tiny, S, M or L.")] = None,
) -> None:
    """Start the simulator and the sandbox org in the background; write .sandbox/endpoints.json."""
    from sandbox import control

    s = get_settings()
    seed = s.sandbox_seed if seed is None else seed
    scale = s.sandbox_scale if scale is None else scale
    choose("--scale", scale, SCALES)
    try:
        endpoints = control.up(s.sandbox_dir, seed=seed, scale=scale)
    except control.SandboxError as exc:
        _fail(exc)
    console.print(f"[green]sandbox up[/] (endpoints in {s.endpoints_file})")
    dp = endpoints["dispatch_pro"]
    console.print(f"  Dispatch Pro simulator  {dp['base_url']}  seed={seed} scale={scale}")
    console.print(f"  Salesforce sandbox org  {endpoints['salesforce']['instance_url']}")


@sandbox_app.command("down")
def sandbox_down() -> None:
    """Stop the background servers (their state stays in .sandbox/)."""
    from sandbox import control

    stopped = control.down(get_settings().sandbox_dir)
    console.print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


@sandbox_app.command("status")
def sandbox_status() -> None:
    """Show which sandbox servers run and where."""
    from sandbox import control

    table = Table("server", "running", "url", "pid")
    for name, info in control.status(get_settings().sandbox_dir).items():
        table.add_row(name, "yes" if info["running"] else "no", info["url"] or "-", str(info["pid"] or "-"))
    console.print(table)


@app.command()
def extract(
    full: Annotated[bool, typer.Option("--full", help="Drop pipeline state; extract everything.")] = False,
    files: Annotated[
        bool,
        typer.Option(
            "--files/--no-files",
            help="Also list, download and store the jobs' attachments and signatures (paced at the API's 60 "
            "requests/s). --no-files takes the tables only; a later `extract --full` fetches every file.",
        ),
    ] = True,
    exports_dir: Annotated[
        Path | None,
        typer.Option(
            "--exports-dir",
            envvar="DP2SF_EXPORTS_DIR",
            help="The customer's Dispatch Pro export folder (playbooks, dashboards, dispatch metadata: not "
            "in ServiceTitan's public API). Also dlt config sources.dispatch_pro.exports_folder. Without "
            "it the extract warns and `dp2sf inventory` lists them as not migrated.",
        ),
    ] = None,
) -> None:
    """Land raw Dispatch Pro data in DuckDB (incremental on modifiedOn by default).

    Calls only ServiceTitan's published v2 API (60 requests/s per app and tenant, paced). Dispatch Pro's own
    data comes from the export folder (DP2SF_EXPORTS_DIR / --exports-dir); the simulator writes its own.
    Files that cannot be fetched are listed in raw_dispatch_pro.file_errors; the extract goes on.
    """
    from dlt_pipelines.pipeline import ExtractError, run_extract

    overrides = {"exports_dir": exports_dir} if exports_dir else {}
    s = get_settings(**overrides)
    preflight.source_ready(s)
    preflight.writable(s.data_dir, "the DuckDB file and the file store")
    preflight.duckdb_ready(s)
    from workbench.demo import extract_probe
    from workbench.progress import RunDisplay

    try:
        with (
            RunDisplay("dp2sf extract", ["extract"], console) as run,
            run.stage("extract", extract_probe) as st,
        ):
            summary = run_extract(s, full=full, console=console, verbose=OPTIONS["verbose"], files=files)
            st.summary = f"{summary.records_extracted:,} records"
    except ExtractError as exc:
        _fail(exc)
    table = Table("raw table", "rows", title=f"raw_dispatch_pro in {summary.duckdb_path}")
    for name, count in sorted(summary.row_counts.items()):
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(
        f"[green]extract done[/]: {summary.records_extracted:,} records in {summary.seconds:.1f}s "
        f"({'full' if full else 'incremental'}), {summary.files_downloaded} files downloaded"
    )


InvoicesOption = Annotated[
    str, typer.Option(help="Invoices as Invoice__c (custom) or Order/OrderItem (order).")
]


@app.command()
def inventory(invoices: InvoicesOption = "custom") -> None:
    """Source schema inventory, custom-field manifest (build/manifest.csv), sfdx metadata (build/metadata)."""
    from core.fields import FieldListError
    from mapping.inventory import InventoryError, run_inventory

    choose("--invoices", invoices, INVOICE_MODES)
    s = get_settings()
    preflight.duckdb_ready(s, needs="run `dp2sf extract` first")
    preflight.writable(s.build_dir, "the manifest and metadata")
    try:
        result = run_inventory(s, invoices=invoices)
    except (InventoryError, FieldListError) as exc:
        _fail(exc)
    console.print(f"manifest: {result.manifest_fields} fields → {result.manifest_path}")
    console.print(f"metadata: {result.metadata_files} files → {result.metadata_dir} (custom objects: "
                  f"{', '.join(result.custom_objects)})")  # fmt: skip
    if result.schema_inventory_path:
        console.print(f"source inventory: {result.profiled_columns} columns → {result.schema_inventory_path}")
    for f in result.custom_fields_unseeded:
        err.print(f"[yellow]unmapped custom property[/] {console_text(f'{f.entity}.{f.name}')} "
                  f"({console_text(f.data_type)}, inferred {console_text(f.inferred_type)}): add it to "
                  "dbt_project/seeds/custom_fields.csv")  # fmt: skip
    for note in result.notes:
        console.print(f"note: {console_text(note)}")
    for table, reason in result.not_migrated.items():  # from the last extract (e.g. no exports folder)
        err.print(f"[yellow]not migrated[/] {console_text(table)}: {console_text(reason)}")
    if result.not_migrated_path:
        console.print(f"not migrated: {len(result.not_migrated)} source tables → {result.not_migrated_path}")


@schema_app.command("check")
def schema_check(
    target: Annotated[str, typer.Option(help="sandbox (local org) or salesforce (a real org).")] = "sandbox",
    invoices: InvoicesOption = "custom",
) -> None:
    """Compare the manifest with the target org; exits non-zero while anything blocks the load."""
    from mapping.schema_check import SchemaCheckError, run_schema_check

    choose("--target", target, preflight.TARGETS)
    choose("--invoices", invoices, INVOICE_MODES)
    s = get_settings()
    preflight.target_ready(s, target)
    try:
        result = run_schema_check(s, target=target, invoices=invoices)
    except SchemaCheckError as exc:
        _fail(exc)
    if result.issues:
        table = Table(
            "object", "field", "issue", "expected", "org has", "blocks", title=f"schema check: {target}"
        )
        for i in result.issues:
            table.add_row(
                i.object, i.field or "-", i.kind, i.expected, i.actual, "yes" if i.blocking else "no"
            )
        console.print(table)
    summary = f"{result.objects_checked} objects, {result.fields_checked} fields checked"
    if not result.ok:
        _fail(
            f"{len(result.blocking)} blocking differences ({summary}): create them in the org "
            "(`dp2sf schema deploy` for the sandbox; the admin deploys build/metadata to a real org)"
        )
    console.print(f"[green]schema check passed[/]: {summary}")


@schema_app.command("deploy")
def schema_deploy(invoices: InvoicesOption = "custom") -> None:
    """Deploy build metadata to the LOCAL sandbox org (a real org is deployed by its admin)."""
    from mapping.schema_deploy import SchemaDeployError, deploy_to_sandbox

    choose("--invoices", invoices, INVOICE_MODES)
    s = get_settings()
    preflight.target_ready(s, "sandbox")
    try:
        outcome = deploy_to_sandbox(s, invoices=invoices)
    except SchemaDeployError as exc:
        _fail(exc)
    console.print(f"[green]deployed[/] {outcome.components} components to the sandbox org")


@app.command()
def transform(
    invoices: InvoicesOption = "custom",
    docs: Annotated[bool, typer.Option(help="Also render the dbt docs (static HTML).")] = True,
    engine: Annotated[
        str | None,
        typer.Option(
            help="duckdb, or spark: the same dbt project on Spark (pyspark local mode) from the raw tables "
            "landed as parquet; the marts come back into the DuckDB. Default: the setting transform_engine."
        ),
    ] = None,
    unit_tests: Annotated[
        bool,
        typer.Option(
            "--unit-tests",
            help="Also run the mapping's dbt unit tests (fixed inputs; CI runs them on every change).",
        ),
    ] = False,
) -> None:
    """dbt build: marts in schema salesforce, held-back rows in schema quarantine."""
    from core.fields import FieldListError
    from dlt_pipelines.parquet import ParquetLandingError, land_raw_parquet
    from mapping.transform import ENGINES, TransformError, run_transform
    from workbench.shape import resolve_person_accounts

    choose("--invoices", invoices, INVOICE_MODES)
    s = get_settings()
    engine = engine or s.transform_engine
    choose("--engine", engine, ENGINES)
    preflight.duckdb_ready(s, needs="run `dp2sf extract` first")
    try:
        from workbench.progress import one_stage

        person_accounts, note = resolve_person_accounts(s)  # the shape: asks the org when the setting is auto
        if note:
            console.print(f"[yellow]note[/]: {console_text(note)}")
        if engine == "spark":
            with one_stage(console, "raw tables as parquet (dlt filesystem destination)") as st:
                landed = land_raw_parquet(s)
                st.summary = f"{sum(landed.rows.values()):,} rows in {landed.dataset_url}"
        with one_stage(console, f"transform ({engine})") as st:
            result = run_transform(
                s,
                invoices=invoices,
                docs=docs,
                person_accounts=person_accounts,
                engine=engine,
                unit_tests=unit_tests,
            )
            shape = "Person Accounts" if person_accounts else "Contacts under placeholder Accounts"
            st.summary = f"{sum(result.mart_rows.values()):,} mart rows; residential customers as {shape}"
    except (TransformError, FieldListError, ParquetLandingError) as exc:
        _fail(exc)
    table = Table(
        "Salesforce object", "mart rows", "quarantined", title=f"dbt build in {result.seconds:.1f}s"
    )
    for name, rows in result.mart_rows.items():
        table.add_row(name, f"{rows:,}", f"{result.quarantined_rows.get(name, 0):,}")
    console.print(table)
    console.print(
        f"[green]transform done[/]: {result.passed} nodes passed, {result.warned} warned; "
        f"{result.flagged_values} custom-property values not loaded (listed in quarantine.flagged_values)"
    )
    if result.lineage_path:
        console.print(f"lineage: {result.lineage_rows} raw column → mart field rows in {result.lineage_path}")
    if result.docs_path:
        console.print(f"docs: {result.docs_path}")


# --- gates and pre-scan (issue 11) ---------------------------------------------------------------
RunOption = Annotated[str, typer.Option("--run", help="Run id: reports go to reports/<run>/ (default: new).")]
from workbench.cli_loader import MaskPiiOption  # noqa: E402 - one --mask-pii option for every report verb


@app.command()
def validate(
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Regenerate the suites from the org's describe.")
    ] = False,
    run: RunOption = None,
) -> None:
    """GX checkpoint over every mart: rows the org would refuse are held back in gates.gates_all."""
    from expectations.validate import ValidateError, run_validate

    s = get_settings()
    preflight.duckdb_ready(s, needs="run `dp2sf extract` and `dp2sf transform` first")
    preflight.target_ready(s)
    try:
        from workbench.progress import one_stage

        with one_stage(console, "validate") as st:
            result = run_validate(s, refresh=refresh, run_id=run)
            st.summary = f"{result.held:,} records held back"
    except ValidateError as exc:
        _fail(exc)
    table = Table("Salesforce object", "rows", "held back", "blocking failures", "warnings",
                  title=f"gates ({result.run_id}) in {result.seconds:.1f}s")  # fmt: skip
    for name, o in result.objects.items():
        fails = ", ".join(f"{k} {v}" for k, v in sorted(o.failures.items())) or "-"
        warns = ", ".join(f"{k} {v}" for k, v in sorted(o.warnings.items())) or "-"
        table.add_row(name, f"{o.rows:,}", f"{o.held:,}", fails, warns)
    console.print(table)
    if result.regenerated:
        console.print(f"suites regenerated from the org: {', '.join(result.regenerated)}")
    for note in result.notes:
        console.print(f"note: {console_text(note)}")
    console.print(
        f"[green]validate done[/]: {result.held:,} records held back in gates.gates_all "
        f"({result.gates_rows:,} rule failures), {result.warning_rows:,} warnings in gates.gates_warnings"
    )
    if result.data_docs:
        from reporting.offline_docs import make_offline

        docs = Path(result.data_docs)
        console.print(f"data docs (offline): {make_offline(docs if docs.is_dir() else docs.parent)}")


@app.command()
def prescan(
    run: RunOption = None,
    mask_pii: MaskPiiOption = False,
) -> None:
    """The pre-scan report (reports/<run>/prescan.html) and the CSVs a person acts on."""
    from reporting.prescan import PrescanError, run_prescan

    s = get_settings()
    preflight.duckdb_ready(s, needs="run `dp2sf extract` and `dp2sf transform` first")
    preflight.target_ready(s)
    try:
        result = run_prescan(s, run_id=run, mask_pii=mask_pii)
    except PrescanError as exc:
        _fail(exc)
    table = Table("section", "rows", "csv", title=f"pre-scan ({result.run_id}) in {result.seconds:.1f}s")
    for name, count in result.counts.items():
        csv = result.csvs.get(name)
        table.add_row(name, f"{count:,}", str(csv.name) if csv else "-")
    console.print(table)
    console.print(f"[green]prescan done[/]: {result.html}")


@app.command()
def demo(
    scale: Annotated[str, typer.Option(help="Data scale for the simulator: tiny, S, M or L.")] = "tiny",
    person_accounts: Annotated[
        bool,
        typer.Option(
            "--person-accounts",
            help="Start the embedded org with Person Accounts: residential customers as Person Accounts.",
        ),
    ] = False,
) -> None:
    """The whole story on the embedded sandbox: pre-scan, sample and sign-off, full load, source changes,
    delta, reconciliation, rollback of the delta, final reconciliation; reports/<run>/index.html."""
    from workbench.demo import run_demo

    choose("--scale", scale, SCALES)  # before anything: a bad scale must not stop a running simulator
    s = get_settings(sandbox_scale=scale, **({"person_accounts": True} if person_accounts else {}))
    for folder, what in ((s.data_dir, "data"), (s.build_dir, "build"), (s.reports_dir, "reports")):
        preflight.writable(folder, f"the {what} folder")
    preflight.duckdb_ready(s)
    try:
        run_demo(s, console=console, verbose=OPTIONS["verbose"])
    except Dp2sfError as exc:
        _fail(f"demo stopped: {exc}", exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - the demo reports any stage failure in one line, then exits
        _fail(f"demo stopped: {type(exc).__name__}: {exc}")


# -- review reports and rebuild reference (issue 12c): export playbooks, reports index ----------------
export_app = typer.Typer(help="Export what does not migrate as a rebuild reference.")
reports_app = typer.Typer(help="Review reports under reports/<run>/.")
app.add_typer(export_app, name="export")
app.add_typer(reports_app, name="reports")


@export_app.command("playbooks")
def export_playbooks() -> None:
    """Playbooks → Flow, dashboards and reports → Salesforce reports, under build/rebuild/."""
    from mapping.rebuild_reference import RebuildError, run_export_playbooks

    try:
        result = run_export_playbooks(get_settings())
    except RebuildError as exc:
        _fail(exc)
    for source, reason in result.missing.items():
        err.print(f"[yellow]missing[/] {source}: {reason}")
    console.print(
        f"[green]rebuild reference[/]: {result.playbooks} playbooks ({result.manual_steps} steps with no "
        f"Flow equivalent), {result.widgets} dashboard widgets, {result.report_definitions} report "
        f"definitions → {result.out_dir / 'index.html'}"
    )


@reports_app.command("index")
def reports_index(
    run: Annotated[str, typer.Option("--run", help="The run folder under reports/.")],
    mask_pii: Annotated[bool, typer.Option("--mask-pii", help="Mask the approver's name/email.")] = False,
) -> None:
    """Write reports/<run>/index.html: every report of the run with its ledger metadata."""
    from reporting.index import ReportsIndexError, write_index

    try:
        console.print(f"index: {write_index(get_settings(), run, mask_pii=mask_pii)}")
    except ReportsIndexError as exc:
        _fail(exc)


# -- review workflow (issue 12): map propose, map approve, map diff ---------------------------------
map_app = typer.Typer(help="Review the mapping: proposals, sign-off, what a change does to the data.")
app.add_typer(map_app, name="map")


@map_app.command("propose")
def map_propose(
    invoices: InvoicesOption = "custom", run: RunOption = None, mask_pii: MaskPiiOption = False
) -> None:
    """Propose a target for every source field and unmapped value; new rows go to the seeds as proposed."""
    from mapping.propose import ProposeError, run_propose
    from reporting.notebook import NotebookError
    from reporting.review import render_mapping_review

    choose("--invoices", invoices, INVOICE_MODES)
    settings = get_settings()
    preflight.duckdb_ready(settings, needs="run `dp2sf extract` first")
    try:
        result = run_propose(settings, invoices=invoices)
        render_mapping_review(settings, result, run_id=run, mask_pii=mask_pii)
    except (ProposeError, NotebookError) as exc:
        _fail(exc)
    console.print(f"targets from: {result.targets_from}")
    console.print(
        ", ".join(f"{n} {d}" for d, n in sorted(result.decisions.items())) + f" → {result.proposals_path}"
    )
    for seed, n in result.seeds_changed.items():
        console.print(f"[yellow]{n} proposed rows[/] added to dbt_project/seeds/{seed} (status = proposed)")
    console.print(f"[green]map propose done[/]: review {result.html}")


@map_app.command("approve")
def map_approve(
    by: Annotated[str, typer.Option("--by", help="Who approves (default: git's user.name).")] = None,
    accept_findings: Annotated[
        str,
        typer.Option("--accept-findings", help="Approve despite blocking sample findings, for this reason."),
    ] = None,
) -> None:
    """Sign off the current mapping hash against its sample run (ledger.approvals)."""
    from workbench.approval import ApprovalError, run_approve

    s = get_settings()
    preflight.duckdb_ready(s, needs="run `dp2sf sample` first")
    try:
        result = run_approve(s, by=by, accept_findings=accept_findings)
    except ApprovalError as exc:
        _fail(exc)
    console.print(
        f"[green]approved[/] mapping {result.mapping_hash[:12]} for org {result.org_id} by "
        f"{console_text(result.approved_by)} against sample run "
        f"{result.sample_run_id}"
        + (f"; {result.blocking_findings} blocking findings accepted: "
           f"{console_text(result.accepted_findings_reason)}"
           if result.blocking_findings else "")
    )  # fmt: skip


@map_app.command("diff")
def map_diff(
    base: Annotated[
        str, typer.Option("--base", help="The git ref to compare the working tree with.")
    ] = "main",
    invoices: InvoicesOption = "custom",
    run: RunOption = None,
    mask_pii: MaskPiiOption = False,
) -> None:
    """Build the marts at --base and at the working tree on the same raw data; report what changes."""
    from mapping.map_diff import MapDiffError, run_map_diff
    from reporting.notebook import NotebookError
    from reporting.review import render_map_diff

    choose("--invoices", invoices, INVOICE_MODES)
    preflight.duckdb_ready(get_settings(), needs="run `dp2sf extract` first")
    try:
        result = run_map_diff(get_settings(), base=base, invoices=invoices, run_id=run, mask_pii=mask_pii)
        render_map_diff(result)
    except (MapDiffError, NotebookError) as exc:
        _fail(exc)
    table = Table("object", "base rows", "rows", "added", "removed", "changed", title=f"map diff vs {base}")
    for r in result.summary.itertuples(index=False):
        table.add_row(r.object, f"{r.base_rows:,}", f"{r.head_rows:,}", str(r.added), str(r.removed),
                      str(r.changed))  # fmt: skip
    console.print(table)
    console.print(
        f"quarantine: {len(result.quarantine)} rows changed; "
        f"flagged values: {len(result.flagged)} rows changed"
    )
    console.print(f"[green]map diff done[/] in {result.seconds:.0f}s: {result.html}")


# -- loader verbs (issue 10): load, reconcile, rollback --------------------------------------------
from workbench.cli_loader import register as _register_loader_verbs  # noqa: E402

_register_loader_verbs(app)


# -- the sample migration (issue 12, item 4) --------------------------------------------------------
@app.command()
def sample(
    size: Annotated[int, typer.Option(help="Jobs to sample (more when the strata need more).")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the selection (the same seed, the same jobs).")] = 42,
    target: Annotated[
        str | None, typer.Option(help="sandbox (the embedded org) or salesforce (a real sandbox: SF_* env).")
    ] = None,
    mask_pii: MaskPiiOption = False,
) -> None:
    """Stratified sample → build → load → read back → field-level diff (reports/<run>/sample_diff.html)."""
    from workbench.sample import SampleError, run_sample

    s = get_settings()
    preflight.target_ready(s, target)
    preflight.duckdb_ready(s, needs="run `dp2sf extract` and `dp2sf transform` first")
    try:
        from workbench.progress import one_stage

        with one_stage(console, "sample") as st:
            result = run_sample(s, size=size, seed=seed, target=target, mask_pii=mask_pii)
            st.summary = f"{result.jobs} jobs, {result.blocking:,} blocking findings"
    except SampleError as exc:
        _fail(exc)
    table = Table("finding", "fields", title=f"sample run {result.run_id}: {result.jobs} jobs")
    for finding, count in sorted(result.counts.items()):
        table.add_row(finding, f"{count:,}")
    console.print(table)
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    console.print(f"{result.blocking:,} blocking findings ({timing}); CSVs: {result.csv_dir}")
    console.print(f"[green]sample done[/]: {result.html}")


def main() -> None:
    """The ``dp2sf`` console entry: an expected failure (any :class:`Dp2sfError`) is one line, not a
    traceback, with the error's exit code. Whatever it writes is owner-only (``core.private``)."""
    from simple_salesforce.exceptions import SalesforceError

    from core.private import owner_only_umask
    from workbench.console import error_line

    owner_only_umask()
    try:
        app(prog_name="dp2sf")
    except (Dp2sfError, SalesforceError) as exc:  # a refused login or token: one line, no URL or SOQL echoed
        err.print(f"[bold red]error:[/] {console_text(error_line(exc))}", soft_wrap=True)
        sys.exit(getattr(exc, "exit_code", 1))
