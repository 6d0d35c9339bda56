"""``dp2sf demo``: the migration on the embedded sandbox, as far as the built stages reach.

Stages so far: sandbox up → extract → inventory (manifest + sfdx metadata) → schema check (shows what the
admin must create) → schema deploy (sandbox only) → schema check (must pass) → transform (dbt build) →
validate (GX gates from the org's describe) → prescan (report) → load (Bulk API 2.0, ledger) → reconcile.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from core.errors import Dp2sfError
from core.settings import Settings


class DemoError(Dp2sfError):
    """A stage of the demo did not reach its expected outcome."""


def run_demo(settings: Settings, console: Console) -> None:
    """Start the sandbox, then run each stage in order, printing a one-line summary per stage."""
    from dlt_pipelines.pipeline import run_extract
    from mapping.inventory import run_inventory
    from mapping.schema_check import run_schema_check
    from mapping.schema_deploy import deploy_to_sandbox
    from mapping.transform import run_transform
    from sandbox import control

    console.rule("1. sandbox up")
    endpoints = control.up(settings.sandbox_dir, seed=settings.sandbox_seed, scale=settings.sandbox_scale)
    dp, sf = endpoints["dispatch_pro"], endpoints["salesforce"]
    console.print(f"simulator {dp['base_url']} (seed {dp['seed']}, scale {dp['scale']})")
    console.print(f"sandbox org {sf['instance_url']}")

    console.rule("2. extract (dlt → DuckDB raw_dispatch_pro)")
    summary = run_extract(settings, full=True, console=console)
    console.print(
        f"{summary.records_extracted:,} records, {len(summary.row_counts)} raw tables, "
        f"{summary.files_downloaded} files in {summary.seconds:.1f}s → {summary.duckdb_path}"
    )

    console.rule("3. inventory (schema inventory, custom-field manifest, sfdx metadata)")
    inventory = run_inventory(settings)
    console.print(
        f"{inventory.manifest_fields} manifest fields → {inventory.manifest_path}; "
        f"{inventory.metadata_files} metadata files → {inventory.metadata_dir}"
    )

    console.rule("4. schema check before the admin deploys (expected to list what is missing)")
    before = run_schema_check(settings, target="sandbox")
    console.print(f"{len(before.blocking)} blocking differences in {before.objects_checked} objects")

    console.rule("5. schema deploy (the sandbox org takes the same sfdx metadata an admin would deploy)")
    outcome = deploy_to_sandbox(settings)
    console.print(f"deployed {outcome.components} components")
    after = run_schema_check(settings, target="sandbox")
    if not after.ok:
        raise DemoError(f"schema check still blocks after deploy: {[str(i) for i in after.blocking[:5]]}")
    console.print(f"schema check passed: {after.objects_checked} objects, {after.fields_checked} fields")

    console.rule("6. transform (dbt build → schema salesforce, quarantine)")
    result = run_transform(settings)
    table = Table("Salesforce object", "mart rows", "quarantined", title=f"dbt build, {result.seconds:.1f}s")
    for name, rows in result.mart_rows.items():
        table.add_row(name, f"{rows:,}", f"{result.quarantined_rows.get(name, 0):,}")
    console.print(table)
    if result.docs_path:
        console.print(f"dbt docs for reviewers: {result.docs_path}")

    console.rule("7. validate (GX suites from the org's describe → gates.gates_all)")
    from expectations.validate import StaleSuitesError, run_validate
    from reporting.prescan import run_prescan

    try:
        gates = run_validate(settings)
    except StaleSuitesError:
        console.print(
            "the org or the marts differ from the suites in expectations/gx: regenerating (--refresh)"
        )
        gates = run_validate(settings, refresh=True)
    console.print(
        f"{gates.held:,} records held back by the org's rules ({gates.gates_rows:,} failures), "
        f"{gates.warning_rows:,} warnings in {gates.seconds:.1f}s; data docs: {gates.data_docs}"
    )

    console.rule("8. prescan (the decisions the data forces on a person)")
    scan = run_prescan(settings)
    console.print(", ".join(f"{name} {count:,}" for name, count in scan.counts.items()))
    console.print(f"pre-scan report: {scan.html}")
    sample_run = run_sample_stage(settings, console)
    run_load_stage(settings, console)
    from reporting.render import demo_reports  # issue 12: reports/<run>/index.html

    console.rule("12. reports (reconciliation HTML, reports/<run>/index.html) and the rebuild reference")
    demo_reports(settings, console, related=[scan.run_id, gates.run_id, sample_run])
    console.print("[green]demo complete[/] for the stages built so far (review reports: next)")
    console.print("the sandbox servers keep running for exploration: `dp2sf sandbox down` stops them")


def run_load_stage(settings: Settings, console: Console) -> None:
    """10. load (Bulk API 2.0 into the sandbox org, every row in the ledger) and 10. reconcile."""
    from loaders.load import run_load
    from loaders.reconcile import run_reconcile
    from workbench.cli_loader import print_load

    console.rule("10. load (Bulk API 2.0 upserts in dependency order → the sandbox org; ledger)")
    result = run_load(settings)
    print_load(result)
    if result.status != "completed":
        raise DemoError(f"load {result.run_id} {result.status}: {result.message}")
    console.rule("11. reconcile (source = loaded + quarantined + gates + skipped + failed; the org agrees)")
    rec = run_reconcile(settings, run_id=result.run_id)
    for obj in rec.objects:
        console.print(
            f"{obj.name}: source {obj.source:,} = loaded {obj.loaded:,} + quarantined {obj.quarantined:,} + "
            f"gates {obj.gates:,} + skipped {obj.skipped:,} + failed {obj.failed:,}; in org {obj.in_org:,}"
        )
    if not rec.ok:
        problems = [f"{o.name}: {p}" for o in rec.objects for p in o.problems()]
        raise DemoError(f"reconciliation does not add up: {problems[:5]}")
    console.print(f"reconciled: {rec.report_path}")


DEMO_SAMPLE_JOBS = 60  # the demo's sample: every stratum of the tiny tier, in about a minute


def run_sample_stage(settings: Settings, console: Console) -> str:
    """9. sample, the checkpoint before the full run: stratified jobs → their own DuckDB → load → SOQL
    read-back → field-level diff → report; then the sign-off and a hard rollback of the sample's records, so
    the full load starts from the org as it was. Returns the sample's run id."""
    from loaders.rollback import run_rollback
    from workbench.approval import ApprovalError, run_approve
    from workbench.sample import run_sample, sample_settings

    console.rule("9. sample (stratified jobs → their own DuckDB → load → SOQL read-back → field-level diff)")
    result = run_sample(settings, size=DEMO_SAMPLE_JOBS)
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(result.counts.items()))
    console.print(f"sample run {result.run_id}: {result.jobs} jobs; {counts}; {result.blocking:,} blocking")
    console.print(f"sample diff report: {result.html}")
    try:
        approval = run_approve(settings, by="dp2sf demo", signed_via="demo")
        console.print(f"mapping {approval.mapping_hash[:12]} approved (sample {approval.sample_run_id})")
    except ApprovalError as exc:  # the sandbox org only warns; a real org would refuse the load
        console.print(f"[yellow]not approved[/]: {exc}")
    undo = run_rollback(sample_settings(settings, result.sample_dir), result.run_id, hard=True)
    done = sum(n for per in undo.counts.values() for n in per.values())
    console.print(f"sample rolled back ({undo.status}, {done:,} records, recycle bin emptied): {undo.run_id}")
    return result.run_id
