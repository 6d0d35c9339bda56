"""The loader's CLI verbs (``dp2sf load | delta | reconcile | rollback``), registered on the workbench app."""

from __future__ import annotations

from typing import Annotated

import requests
import typer
from rich.markup import escape
from rich.table import Table
from simple_salesforce.exceptions import SalesforceError

from core.connection import ConnectionConfigError
from workbench import preflight
from workbench.console import console, err, org_trouble
from workbench.console import fail as _fail
from workbench.preflight import settings as get_settings

EXIT_MISMATCH = 2  # reconciliation does not add up / rollback could not undo some records
EXIT_STOPPED = 3  # the run stopped cleanly at a limit: resume later
EXIT_LEFT_ALONE = 5  # rollback finished but left records changed in the org since (use --force)
ORG_ERRORS = (requests.RequestException, SalesforceError, ConnectionConfigError)
MaskPiiOption = Annotated[
    bool, typer.Option("--mask-pii", help="Hash names, emails and phone numbers in the report and its CSVs.")
]


def _with_cause(exc: BaseException) -> str:
    """A stage error's message; when the org was down or refused the session, that first, in one line."""
    cause = exc.__cause__
    if isinstance(cause, ORG_ERRORS):
        hint = next((p for p in str(exc).split("; ") if "--resume" in p), "")
        return org_trouble(cause) + (f"; {hint}" if hint else "")
    return str(exc)


def _render_report(kind: str, run_id: str, mask_pii: bool) -> None:
    """Render reports/<run>/<kind>.html beside the JSON (issue 12: reporting/render.py)."""
    from reporting import render as reports_render

    try:
        html = getattr(reports_render, f"render_{kind}")(get_settings(), run_id, mask_pii=mask_pii)
    except reports_render.ReportRenderError as exc:
        _fail(f"the {kind} report did not render: {exc}")
    console.print(f"report: {html} (index: {html.parent / 'index.html'})")


def reconcile_rollback(settings, run_id: str) -> None:
    """``dp2sf reconcile`` of a rollback run: written = deleted + restored + left alone + failed per object,
    nothing deleted still live, every restore back to its before-image; exit 2 when it does not add up."""
    from loaders.reconcile_rollback import run_rollback_reconcile
    from workbench.progress import one_stage

    with one_stage(console, "reconcile") as st:
        result = run_rollback_reconcile(settings, run_id)
        st.summary = "adds up" if result.ok else "does NOT add up"
    table = Table(
        "object", "written", "deleted", "restored", "left alone", "failed", "ok",
        title=f"reconciliation of rollback {result.run_id} (of {result.target_run})",
    )  # fmt: skip
    for o in result.objects:
        if o.written or o.unaccounted:
            cells = (o.written, o.deleted, o.restored, o.left_alone, o.failed)
            table.add_row(o.name, *(f"{v:,}" for v in cells), "[green]yes[/]" if o.ok else "[red]NO[/]")
    console.print(table)
    for o in result.objects:
        for problem in o.problems():
            err.print(f"[red]{o.name}[/]: {escape(problem)}")
    console.print(f"report: {result.report_path}")
    if not result.ok:
        _fail("the rollback's reconciliation does not add up (see above)", EXIT_MISMATCH)
    console.print("[green]reconciled[/]: every record the run wrote is deleted, restored or listed")


def print_plan(plan) -> None:
    from loaders.plan import plan_table_rows

    table = Table(
        "#", "object", "level", "records", "jobs", "API calls", "parents", "second pass", title="load plan"
    )
    for row in plan_table_rows(plan):
        table.add_row(*row)
    console.print(table)
    console.print(
        f"{len(plan.objects)} objects, {sum(o.rows for o in plan.objects):,} records, "
        f"{plan.total_jobs()} Bulk "
        f"jobs of up to {plan.chunk_rows:,} rows, about {plan.total_calls()} API calls (plus polling)"
    )


def print_load(result) -> None:
    actions = ("created", "updated", "unchanged", "skipped", "failed")
    table = Table("object", *actions, title=f"load run {result.run_id}: {result.status}")
    for obj, counts in result.counts.items():
        table.add_row(obj, *[f"{counts.get(a, 0):,}" for a in actions])
    console.print(table)
    console.print(
        f"{result.jobs} Bulk jobs, {result.api_calls} API calls, {result.seconds:.1f}s"
        + (f"; failed rows: {result.failed_dir}" if result.failed_dir else "")
    )


def register(app: typer.Typer) -> None:
    """Add the loader's verbs to ``app``."""

    @app.command()
    def load(
        plan: Annotated[bool, typer.Option("--plan", help="Print the load plan and exit.")] = False,
        resume: Annotated[bool, typer.Option("--resume", help="Continue the latest unfinished run.")] = False,
        resend: Annotated[bool, typer.Option("--resend", help="Send unchanged rows too.")] = False,
        only: Annotated[list[str], typer.Option("--object", help="Load only these objects.")] = None,
    ) -> None:
        """Load the marts into the target org (Bulk API 2.0 upserts, dependency order, ledger)."""
        from loaders.load import LoadError, make_plan, run_load
        from loaders.plan import PlanError

        settings = get_settings()
        preflight.duckdb_ready(settings, needs="run `dp2sf extract` and `dp2sf transform` first")
        if not plan:
            preflight.target_ready(settings)
        try:
            if plan:
                print_plan(make_plan(settings))
                return
            from core.connection import org_client
            from workbench.demo import org_probe
            from workbench.progress import one_stage

            org = org_client(settings)
            with one_stage(console, "load", lambda: org_probe(org)) as st:
                result = run_load(settings, resume=resume, resend=resend, objects=only or None, org=org)
                st.summary = (
                    f"{result.status}: {result.total('created'):,} created, {result.total('failed'):,} failed"
                )
        except (LoadError, PlanError) as exc:
            _fail(_with_cause(exc))
        except ORG_ERRORS as exc:
            _fail(org_trouble(exc))
        print_load(result)
        if result.status == "stopped":
            _fail(result.message, EXIT_STOPPED)

    @app.command()
    def delta(
        inactive: Annotated[
            str, typer.Option(help="Records that became inactive: flag, leave or delete.")
        ] = None,
        files: Annotated[
            bool,
            typer.Option("--files/--no-files", help="Also fetch the changed jobs' files (see extract)."),
        ] = True,
    ) -> None:
        """Incremental extract, rebuild, then load only the rows whose content changed."""
        from workbench.delta import DeltaError, run_delta

        overrides = {"delta_inactive_policy": inactive} if inactive else {}
        settings = get_settings(**overrides)  # checks the policy
        preflight.duckdb_ready(settings, needs="run a full load first (`dp2sf load`)")
        preflight.target_ready(settings)  # before 60 s of extract and build, not after
        preflight.source_ready(settings)
        try:
            from core.connection import org_client
            from workbench.demo import extract_probe, org_probe
            from workbench.progress import Meter, one_stage

            org = org_client(settings)

            def probe() -> Meter:
                m = extract_probe()
                m.api_calls, m.allowance_left = org_probe(org).api_calls, org_probe(org).allowance_left
                return m

            with one_stage(console, "delta", probe) as st:
                result = run_delta(settings, org=org, files=files)
                st.summary = f"{result.load.status}: sent {sum(result.load.sent.values()):,} rows"
        except DeltaError as exc:
            _fail(exc)
        print_load(result.load)
        console.print(
            f"{result.records_extracted:,} records extracted; sent: {result.load.sent or 'nothing'}"
        )
        policy = get_settings(**overrides).delta_inactive_policy
        for obj, n in result.load.inactive.items():
            console.print(f"{obj}: {n} records became inactive (policy {policy})")
        if result.load.status == "stopped":
            _fail(result.load.message, EXIT_STOPPED)

    @app.command()
    def reconcile(
        run: Annotated[str, typer.Option(help="The load run (default: the latest).")] = None,
        sample: Annotated[int, typer.Option(help="Records per object read back field by field.")] = 20,
        mask_pii: MaskPiiOption = False,
    ) -> None:
        """Source vs quarantine vs gates vs ledger vs the org, per object; exit 2 when it does not add up.
        A rollback run (the default after a rollback) is reconciled as one (``reconcile_rollback``)."""
        from loaders.reconcile import ReconcileError, run_reconcile
        from loaders.reconcile_rollback import run_to_reconcile

        settings = get_settings()
        preflight.duckdb_ready(settings, needs="nothing was loaded yet (`dp2sf load`)")
        preflight.target_ready(settings)
        try:
            from workbench.progress import one_stage

            run, kind = run_to_reconcile(settings, run)
            if kind == "rollback":
                reconcile_rollback(settings, run)
                return
            with one_stage(console, "reconcile") as st:
                result = run_reconcile(settings, run_id=run, sample=sample)
                st.summary = "adds up" if result.ok else "does NOT add up"
        except ReconcileError as exc:
            _fail(str(exc))
        except ORG_ERRORS as exc:
            _fail(org_trouble(exc))
        table = Table(
            "object",
            "source",
            "loaded",
            "quarantined",
            "gates",
            "skipped",
            "failed",
            "in org",
            "sampled",
            "ok",
            title=f"reconciliation of {result.run_id}",
        )
        for o in result.objects:
            table.add_row(
                o.name,
                *(
                    f"{v:,}"
                    for v in (
                        o.source,
                        o.loaded,
                        o.quarantined,
                        o.gates,
                        o.skipped,
                        o.failed,
                        o.in_org,
                        o.sampled,
                    )
                ),
                "[green]yes[/]" if o.ok else "[red]NO[/]",
            )
        console.print(table)
        for o in result.objects:
            for problem in o.problems():
                err.print(f"[red]{o.name}[/]: {problem}")
        if result.fields is not None:  # per field: source values = in org + flagged + held back + declared
            counted = result.fields.fields
            console.print(
                f"per field: {len(counted)} edges, {sum(f.source for f in counted):,} source values, "
                f"{sum(f.dropped for f in counted):,} dropped ({result.fields.bulk_queries} Bulk queries)"
            )
            for problem in result.fields.problems():
                err.print(f"[red]field[/]: {escape(problem)}")
        console.print(f"report: {result.report_path}")
        _render_report("reconciliation", result.run_id, mask_pii)
        if not result.ok:
            _fail("reconciliation does not add up (see above)", EXIT_MISMATCH)
        console.print("[green]reconciled[/]: every source row is accounted for and the org agrees")

    @app.command()
    def rollback(
        run: Annotated[str, typer.Argument(help="The load run to undo.")],
        force: Annotated[
            bool, typer.Option("--force", help="Also undo records changed in the org since.")
        ] = False,
        hard: Annotated[bool, typer.Option("--hard", help="hardDelete (skip the recycle bin).")] = False,
        resume: Annotated[bool, typer.Option("--resume", help="Continue an unfinished rollback.")] = False,
        mask_pii: MaskPiiOption = False,
    ) -> None:
        """Undo a load run: delete what it created, restore what it updated (children first)."""
        from loaders.rollback import RollbackError, run_rollback

        settings = get_settings()
        preflight.duckdb_ready(settings, needs="nothing was loaded yet (`dp2sf load`)")
        preflight.target_ready(settings)
        try:
            from workbench.progress import one_stage

            with one_stage(console, "rollback") as st:
                result = run_rollback(settings, run, force=force, hard=hard, resume=resume)
                st.summary = result.status
        except RollbackError as exc:
            _fail(_with_cause(exc))
        except ORG_ERRORS as exc:
            _fail(org_trouble(exc))
        table = Table("object", "deleted", "restored", "skipped", "failed", title=f"rollback {result.run_id}")
        for obj, counts in result.counts.items():
            table.add_row(obj, *(str(counts.get(a, 0)) for a in ("deleted", "restored", "skipped", "failed")))
        console.print(table)
        for c in result.conflicts:
            err.print(
                f"[yellow]left alone[/] {c['object']} {c['source_key']} ({c['sf_id']}): "
                f"changed {c['last_modified']}"
            )
        console.print(f"report: {result.report_path}")
        _render_report("rollback", result.run_id, mask_pii)
        if result.status == "stopped":
            _fail("rollback stopped at a limit; `--resume` continues it", EXIT_STOPPED)
        if any(c.get("failed") for c in result.counts.values()):
            _fail("some records could not be rolled back (see the report)", EXIT_MISMATCH)
        if result.conflicts:
            _fail(
                f"{len(result.conflicts)} records changed in the org since were left alone (see above); "
                "`--force` undoes them too",
                EXIT_LEFT_ALONE,
            )
