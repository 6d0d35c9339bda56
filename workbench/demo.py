"""``dp2sf demo``: the migration on the embedded sandbox, as far as the built stages reach."""

from __future__ import annotations

from rich.console import Console

from workbench.settings import Settings


def run_demo(settings: Settings, console: Console) -> None:
    """Start the sandbox, then run each stage in order; every stage prints its own summary."""
    from dlt_pipelines.pipeline import run_extract
    from sandbox import control

    console.rule("1. sandbox up")
    endpoints = control.up(settings.sandbox_dir, seed=settings.sandbox_seed, scale=settings.sandbox_scale)
    dp, sf = endpoints["dispatch_pro"], endpoints["salesforce"]
    console.print(f"simulator {dp['base_url']}, org {sf['instance_url']}")

    console.rule("2. extract (dlt → DuckDB raw_dispatch_pro)")
    summary = run_extract(settings, full=True, console=console)
    console.print(
        f"{summary.records_extracted:,} records, {len(summary.row_counts)} raw tables, "
        f"{summary.files_downloaded} files in {summary.seconds:.1f}s → {summary.duckdb_path}"
    )
