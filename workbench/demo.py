"""``dp2sf demo``: the whole migration story on the embedded sandbox, each step named on screen.

sandbox up → extract → inventory → schema check, deploy → transform → validate (gates) → pre-scan → sample
with its diff → sign-off → full load → reconciliation → changes in the source (the simulator's admin API) →
delta pickup → reconciliation of the delta → rollback of the delta run (the org returns to its snapshot) →
delta again → final reconciliation → reports.
One :class:`workbench.progress.RunDisplay` shows it: live in a terminal, one line per step elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import requests
from rich.console import Console

from core.errors import Dp2sfError
from core.settings import Settings
from workbench.progress import Meter, RunDisplay, object_table, reconciliation_rows

STAGES = (
    "sandbox up",
    "extract (dlt → DuckDB)",
    "inventory (manifest, sfdx metadata)",
    "schema check and deploy",
    "transform (dbt build)",
    "validate (GX gates)",
    "pre-scan report",
    "sample with its diff",
    "sign-off",
    "full load (Bulk API 2.0)",
    "reconciliation of the full load",
    "changes in the source",
    "delta pickup",
    "reconciliation of the delta",
    "rollback of the delta run",
    "delta again, final reconciliation",
    "reports",
)
DEMO_SAMPLE_JOBS = 60  # the demo's sample: every stratum of the tiny tier, in about a minute
SOURCE_CHANGES = ({"entity": "jobs", "modify": 5, "create": 2}, {"entity": "customers", "modify": 3})


class DemoError(Dp2sfError):
    """A stage of the demo did not reach its expected outcome."""


def extract_probe() -> Meter:
    """The running extract's API requests and stored files (``dlt_pipelines`` counters)."""
    from dlt_pipelines.dispatch_pro.pacing import ACTIVITY

    return Meter(records=ACTIVITY.requests, files=ACTIVITY.files_stored)


def org_probe(org, total: int | None = None) -> Meter:
    """An org client's API calls and the org's remaining daily allowance (from ``Sforce-Limit-Info``)."""
    usage = org.usage
    left = usage.api_max - usage.api_used if usage.api_max else None
    return Meter(total=total, api_calls=usage.calls, allowance_left=left)


def change_source(settings: Settings, changes=SOURCE_CHANGES) -> int:
    """Change records in the simulator as its users would (``/_admin/changes``); returns records touched."""
    from sandbox.control import read_endpoints

    dp = read_endpoints(settings.sandbox_dir)["dispatch_pro"]
    session = requests.Session()
    session.trust_env = False
    touched = 0
    for body in changes:
        r = session.post(f"{dp['admin_url']}/changes", json=body,
                         headers={"X-Admin-Token": dp["admin_token"]}, timeout=60)  # fmt: skip
        if r.status_code != 200:
            raise DemoError(f"the simulator refused the change {body}: {r.status_code} {r.text[:200]}")
        touched += sum(int(body.get(k, 0)) for k in ("modify", "create", "deactivate"))
    return touched


def run_demo(settings: Settings, console: Console, verbose: bool = False) -> Path:
    """Run the story; returns ``reports/<full load run>/index.html``. With ``settings.person_accounts``
    (``dp2sf demo --person-accounts``) the embedded org starts with Person Accounts and residential customers
    load as Person Accounts."""
    with RunDisplay(f"dp2sf demo (scale {settings.sandbox_scale})", STAGES, console) as run:
        related = _build(settings, run, console if verbose else None)
        full_id = sample_and_load(settings, run, related)
        final = _delta(settings, run)
        index = _reports(settings, run, full_id, related)
    table = object_table(reconciliation_rows(final), title=f"the org at the end ({final.run_id})")
    console.print(table, width=max(console.width, 100))
    console.print(f"[green]demo complete[/]: open {index}", soft_wrap=True)
    console.print("the sandbox keeps running for exploration: `dp2sf sandbox down` stops it", soft_wrap=True)
    return index


def _build(settings: Settings, run: RunDisplay, verbose: Console | None):
    """Steps 1-8: sandbox, extract, inventory, schema, transform, gates, pre-scan."""
    from dlt_pipelines.pipeline import run_extract
    from expectations.validate import StaleSuitesError, run_validate
    from mapping.inventory import run_inventory
    from mapping.schema_check import run_schema_check
    from mapping.schema_deploy import deploy_to_sandbox
    from mapping.transform import run_transform
    from reporting.prescan import run_prescan
    from sandbox import control
    from workbench.shape import resolve_person_accounts

    with run.stage(STAGES[0]) as st:
        # `dp2sf demo --person-accounts` (the setting forced on): the org starts with Person Accounts
        endpoints = control.up(
            settings.sandbox_dir,
            seed=settings.sandbox_seed,
            scale=settings.sandbox_scale,
            person_accounts=bool(settings.person_accounts),
        )
        dp, sf = endpoints["dispatch_pro"], endpoints["salesforce"]
        st.summary = f"simulator {dp['base_url']}, org {sf['instance_url']}"
        if settings.person_accounts:
            st.summary += " (Person Accounts)"
    with run.stage(STAGES[1], probe=extract_probe) as st:
        ex = run_extract(settings, full=True, console=verbose, verbose=verbose is not None)
        st.summary = (f"{ex.records_extracted:,} records, {len(ex.row_counts)} raw tables, "
                      f"{ex.files_downloaded} files")  # fmt: skip
    with run.stage(STAGES[2]) as st:
        inv = run_inventory(settings)
        st.summary = f"{inv.manifest_fields} custom fields, {inv.metadata_files} metadata files"
    with run.stage(STAGES[3]) as st:
        before = run_schema_check(settings, target="sandbox")
        deployed = deploy_to_sandbox(settings).components
        after = run_schema_check(settings, target="sandbox")
        if not after.ok:
            raise DemoError(f"schema check still blocks after deploy: {[str(i) for i in after.blocking[:5]]}")
        st.summary = f"{len(before.blocking)} missing → {deployed} components deployed → check passed"
    with run.stage(STAGES[4]) as st:
        person_accounts, _ = resolve_person_accounts(settings)  # "auto": the embedded org's shape
        tr = run_transform(settings, person_accounts=person_accounts)
        st.summary = (f"{sum(tr.mart_rows.values()):,} mart rows in {len(tr.mart_rows)} objects, "
                      f"{sum(tr.quarantined_rows.values()):,} quarantined")  # fmt: skip
        if person_accounts:
            st.summary += "; residential customers as Person Accounts"
    with run.stage(STAGES[5]) as st:
        try:
            gates = run_validate(settings)
        except StaleSuitesError:  # the org or the marts differ from the committed suites
            gates = run_validate(settings, refresh=True)
        if gates.data_docs:
            from reporting.offline_docs import make_offline

            docs = Path(gates.data_docs)
            make_offline(docs if docs.is_dir() else docs.parent)
        st.summary = f"{gates.held:,} records held back by the org's rules, {gates.warning_rows:,} warnings"
    with run.stage(STAGES[6]) as st:
        scan = run_prescan(settings)
        st.summary = str(scan.html)
    return [scan.run_id, gates.run_id]


def sample_and_load(settings: Settings, run: RunDisplay, related: list[str]) -> str:
    """Steps 9-12: the sample with its diff, sign-off (the sample rolled back), full load, reconciliation."""
    from core.connection import org_client
    from loaders.load import make_plan, run_load
    from loaders.reconcile import run_reconcile
    from loaders.rollback import run_rollback
    from workbench.approval import ApprovalError, run_approve
    from workbench.sample import run_sample, sample_settings, value_losses

    with run.stage(STAGES[7]) as st:
        sample = run_sample(settings, size=DEMO_SAMPLE_JOBS)
        st.summary = f"{sample.jobs} jobs, {sample.blocking:,} blocking findings: {sample.html}"
        related.append(sample.run_id)
        losses = value_losses(settings, sample.run_id)
        if losses:  # a value the source had and the org does not, with nothing flagging it: no sign-off
            raise DemoError(f"the sample lost source values ({sample.html}): {'; '.join(losses[:10])}")
    with run.stage(STAGES[8]) as st:
        try:
            approval = run_approve(settings, by="dp2sf demo", signed_via="demo")
            st.summary = (
                f"mapping {approval.mapping_hash[:12]} approved against sample {approval.sample_run_id}"
            )
        except ApprovalError as exc:  # the sandbox org only warns; a real org would refuse the load
            st.summary = f"not approved: {exc}"
        run_rollback(sample_settings(settings, sample.sample_dir), sample.run_id, hard=True)
    org = org_client(settings)
    total = sum(o.rows for o in make_plan(settings).objects)
    with run.stage(STAGES[9], probe=lambda: org_probe(org, total)) as st:
        load = run_load(settings, org=org)
        if load.status != "completed":
            raise DemoError(f"load {load.run_id} {load.status}: {load.message}")
        st.summary = (f"{load.total('created'):,} created, {load.total('failed'):,} failed, "
                      f"{load.jobs} Bulk jobs, {load.api_calls} API calls")  # fmt: skip
    with run.stage(STAGES[10]) as st:
        rec = _reconciled(run_reconcile(settings, run_id=load.run_id))
        total = {k: sum(getattr(o, k) for o in rec.objects) for k in ("source", "loaded", "quarantined")}
        st.summary = (
            f"{total['source']:,} source rows = {total['loaded']:,} loaded + {total['quarantined']:,} "
            "quarantined + the rest held, skipped or failed; the org agrees"
        )
        if rec.fields is not None:
            n = {k: sum(getattr(f, k) for f in rec.fields.fields) for k in
                 ("source", "in_org", "flagged", "held_back", "declared")}  # fmt: skip
            st.summary += (
                f"; per field: {n['source']:,} source values = in org {n['in_org']:,} + flagged "
                f"{n['flagged']:,} + held back {n['held_back']:,} + declared {n['declared']:,}"
            )
    return load.run_id


def org_admin(settings: Settings, method: str, path: str) -> dict:
    """The embedded org's test-only admin API (snapshots): the demo shows with it that a rollback returns
    the org to its state before the run (a real org has no such API; there the reconciliation shows it)."""
    from sandbox.control import read_endpoints

    sf = read_endpoints(settings.sandbox_dir)["salesforce"]
    session = requests.Session()
    session.trust_env = False
    r = session.request(method, sf["admin_url"] + path, headers={"X-Admin-Token": sf["admin_token"]},
                        verify=sf["ca_cert"], timeout=120)  # fmt: skip
    r.raise_for_status()
    return r.json()


def live_changes(diff: dict) -> int:
    """Live records added, removed or changed in a snapshot diff (the recycle bin aside)."""
    return sum(len(c["added"]) + len(c["removed"]) + len(c["changed"]) for c in diff["objects"].values())


def _delta(settings: Settings, run: RunDisplay):
    """Steps 12-17: change the source, pick the changes up, reconcile, roll the delta back (the org returns
    to its snapshot from before the delta), re-apply the changes, final reconciliation."""
    from core.connection import org_client
    from loaders.reconcile import run_reconcile
    from loaders.rollback import run_rollback
    from workbench.delta import run_delta

    with run.stage(STAGES[11]) as st:
        st.summary = f"{change_source(settings)} records changed or created in the simulator"
    before = org_admin(settings, "POST", "/snapshot")["snapshot_id"]
    org = org_client(settings)
    with run.stage(STAGES[12], probe=lambda: org_probe(org)) as st:
        delta = run_delta(settings, org=org)
        if delta.load.status != "completed":
            raise DemoError(f"delta {delta.load.run_id} {delta.load.status}: {delta.load.message}")
        sent = ", ".join(f"{k} {v}" for k, v in delta.load.sent.items()) or "nothing"
        st.summary = f"{delta.records_extracted:,} records extracted; sent {sent}"
    with run.stage(STAGES[13]) as st:
        _reconciled(run_reconcile(settings, run_id=delta.load.run_id))
        st.summary = f"delta run {delta.load.run_id} adds up"
    with run.stage(STAGES[14]) as st:
        undo = run_rollback(settings, delta.load.run_id, hard=True)
        counts = {
            a: sum(c.get(a, 0) for c in undo.counts.values()) for a in ("deleted", "restored", "failed")
        }
        if undo.status != "completed" or counts["failed"]:
            raise DemoError(f"rollback {undo.run_id} {undo.status}: {counts}")
        diff = org_admin(
            settings,
            "GET",
            f"/snapshots/{before}/diff/{org_admin(settings, 'POST', '/snapshot')['snapshot_id']}",
        )
        if live_changes(diff):
            raise DemoError(f"the org differs from before the delta after its rollback: {diff['objects']}")
        st.summary = (f"{counts['deleted']} deleted, {counts['restored']} restored: the org is as before the "
                      "delta (snapshot compare)")  # fmt: skip
    with run.stage(STAGES[15]) as st:
        again = run_delta(settings, extract=False, transform=False, org=org)
        rec = _reconciled(run_reconcile(settings, run_id=again.load.run_id))
        st.summary = f"the changes re-applied ({again.load.run_id}): every source row accounted for"
    return rec


def _reports(settings: Settings, run: RunDisplay, full_id: str, related: list[str]) -> Path:
    """Step 17: the reconciliation report of the full load, its index linking the others, the rebuild
    reference."""
    from mapping.rebuild_reference import run_export_playbooks
    from reporting.index import write_index
    from reporting.render import render_reconciliation

    with run.stage(STAGES[16]) as st:
        render_reconciliation(settings, full_id)
        index = write_index(settings, full_id, related=related)
        rebuild = run_export_playbooks(settings)
        st.summary = f"reconciliation, index, rebuild reference ({rebuild.playbooks} playbooks)"
    return index


def _reconciled(rec):
    """The reconciliation, or :class:`DemoError` naming what does not add up."""
    if not rec.ok:
        problems = [f"{o.name}: {p}" for o in rec.objects for p in o.problems()]
        problems += rec.fields.problems() if rec.fields is not None else []  # fields that lost values
        raise DemoError(f"reconciliation of {rec.run_id} does not add up: {problems[:5]}")
    return rec
