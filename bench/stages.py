"""The stages ``bench/run_all.py`` times, each run in a child process: ``python bench/stages.py STAGE WORK
SCALE CTX_JSON`` prints one JSON line (``records``, ``seconds`` around the stage call itself, and what the
stage has to say). The workbench's own stage functions do the work; the baselines are the floors the issue
names: a plain requests+orjson loop (extract), simple-salesforce ``bulk2`` (load), one COPY of the raw tables
(transform).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from core.settings import Settings, get_settings  # noqa: E402

DELTA_SHARE = 0.01  # the delta changes 1% of the jobs and 1% of the customers
SAMPLE_JOBS = 300
EXTERNAL_ID = "Dispatch_Pro_Id__c"
ERROR_REASONS = (  # file_errors by why, and whether the job was in the extract (a slice lists only its own)
    "select case when error like '%cut short%' then 'cut short' "
    "when error like '%where the attachment listing says%' then 'length differs from the listing' "
    "when error like '%no attachment of job%' then 'signature: no job attachment has its name' "
    "else left(error, 60) end, e.job_id in (select id from raw_dispatch_pro.jobs), count(*) "
    "from raw_dispatch_pro.file_errors as e group by all order by 3 desc"
)


def settings_for(work: Path, scale: str, seed: int = 42) -> Settings:
    """One tier's settings: everything under ``work`` (the layout ``bench/load.py`` uses too)."""
    return get_settings(
        sandbox_dir=work / "sandbox",
        data_dir=work / "data",
        build_dir=work / "build",
        reports_dir=work / "reports",
        gx_project_dir=work / "gx_project",
        sandbox_scale=scale,
        sandbox_seed=seed,
    )


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], dict]) -> dict:
    """``fn()``'s result with ``seconds`` (wall) and ``cpu_s`` (this process and its reaped children) around
    the call alone: imports and set-up before it are not in the stage's figures."""
    cpu, started = _cpu(), time.perf_counter()
    out = fn()
    out["seconds"] = time.perf_counter() - started
    out["cpu_s"] = _cpu() - cpu
    return out


# ------------------------------------------------------------------------------------------------ extract


def extract_plain(s: Settings, ctx: dict) -> dict:
    """Baseline: every table endpoint paged with requests + orjson into DuckDB (``bench/extract.py``)."""
    from bench.extract import child_plain

    out = Path(s.data_dir).parent / "plain"
    try:
        return timed(lambda: {"records": child_plain(Path(s.sandbox_dir), out)["records"]})
    finally:
        shutil.rmtree(out, ignore_errors=True)


def extract(s: Settings, ctx: dict) -> dict:
    """The dlt pipeline, every table (file listings and downloads left to the ``files`` stage)."""
    from dlt_pipelines.pipeline import (
        LOADER_FILE_FORMAT,
        ExtractSummary,
        drop_raw,
        make_pipeline,
        make_source,
        raw_row_counts,
        write_report,
    )

    def run() -> dict:
        drop_raw(s)
        source = make_source(s, files=False)
        pipeline = make_pipeline(s, progress=None)
        pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)
        counts = pipeline.last_trace.last_normalize_info.row_counts
        records = sum(n for t, n in counts.items() if "__" not in t and not t.startswith("_dlt"))
        return {"records": records}

    out = timed(run)
    if ctx.get("snapshot_out"):  # untimed: raw as parquet for later runs (--from-snapshot)
        out["snapshot_tables"] = save_snapshot(s, Path(ctx["snapshot_out"]))
    write_report(
        s,
        ExtractSummary(
            duckdb_path=s.duckdb_path,
            row_counts=raw_row_counts(s.duckdb_path),
            records_extracted=out["records"],
            files_downloaded=0,
            seconds=out["seconds"],
        ),
    )
    return out


def save_snapshot(s: Settings, out: Path) -> int:
    """Every table of ``raw_dispatch_pro`` (dlt's own state tables included, so an incremental extract can
    follow) as ``<out>/<table>.parquet``; returns the tables written."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_dispatch_pro'"
            ).fetchall()
        ]
        for t in tables:
            con.execute(f"copy raw_dispatch_pro.\"{t}\" to '{out / t}.parquet' (format parquet)")
    finally:
        con.close()
    return len(tables)


def extract_snapshot(s: Settings, ctx: dict) -> dict:
    """``--from-snapshot``: raw restored from the parquet files an earlier extract wrote (``--snapshot-out``),
    instead of paging the API (at L the API pages alone take ~10 min at 55 requests/s, before any work)."""
    import duckdb

    from dlt_pipelines.pipeline import ExtractSummary, raw_row_counts, write_report

    snap = Path(ctx["from_snapshot"])
    Path(s.duckdb_path).parent.mkdir(parents=True, exist_ok=True)

    def run() -> dict:
        con = duckdb.connect(str(s.duckdb_path))
        try:
            con.execute("create schema if not exists raw_dispatch_pro")
            for f in sorted(snap.glob("*.parquet")):
                con.execute(f"create or replace table raw_dispatch_pro.\"{f.stem}\" as select * from '{f}'")
        finally:
            con.close()
        counts = raw_row_counts(s.duckdb_path)
        return {
            "records": sum(n for t, n in counts.items() if "__" not in t and not t.startswith("_dlt")),
            "tables": len(counts),
        }

    out = timed(run)
    write_report(
        s,
        ExtractSummary(
            duckdb_path=s.duckdb_path,
            row_counts=raw_row_counts(s.duckdb_path),
            records_extracted=out["records"],
            files_downloaded=0,
            seconds=out["seconds"],
        ),
    )
    return out


def slice_from(share: float) -> str:
    """The ``from`` date whose records are the latest ``share`` of the simulator's modifiedOn window (its
    records' base times grow linearly with their index, so this is ~``share`` of the jobs)."""
    from sandbox.dispatch_pro.dataset import WINDOW_END, WINDOW_START
    from sandbox.dispatch_pro.timefmt import fmt

    return fmt(int(WINDOW_END - share * (WINDOW_END - WINDOW_START)))


def files(s: Settings, ctx: dict) -> dict:
    """The whole extract with files, in a DuckDB of its own: listings per job, downloads, signatures; the
    share of empty files stored and the files that became ``file_errors`` rows. ``ctx["files_slice"]`` (a
    share, e.g. 0.1 at M) extracts only the records modified in the latest part of the window, as an
    incremental run from that date would: the listings and downloads of ~that share of the jobs."""
    import duckdb

    from dlt_pipelines.pipeline import (
        LOADER_FILE_FORMAT,
        drop_raw,
        make_pipeline,
        make_source,
        run_extract,
        store_files,
    )

    fs = settings_for(Path(s.data_dir).parent / "files_run", s.sandbox_scale, s.sandbox_seed)
    fs = Settings(**{**fs.model_dump(), "sandbox_dir": s.sandbox_dir})
    share = ctx.get("files_slice")

    def sliced() -> dict:
        drop_raw(fs)
        source = make_source(fs, known_files={}, initial_from=slice_from(float(share)))
        pipeline = make_pipeline(fs, progress=None)
        pipeline.run(source, loader_file_format=LOADER_FILE_FORMAT)
        return {"records": store_files(pipeline, source, fs.duckdb_path).get("files", 0)}

    try:
        if share:
            out = timed(sliced)
            out["slice"] = {"share": float(share), "from": slice_from(float(share))}
        else:
            out = timed(lambda: {"records": run_extract(fs, full=True).files_downloaded})
        con = duckdb.connect(str(fs.duckdb_path), read_only=True)
        try:
            stored, empty, kinds = con.execute(
                "select count(*), count(*) filter (where size = 0), "
                "string_agg(distinct kind, ',') from raw_dispatch_pro.files"
            ).fetchone()
            listed, listed_empty = con.execute(
                "select count(*), count(*) filter (where size = 0) from raw_dispatch_pro.job_attachments"
            ).fetchone()
            tables = {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = 'raw_dispatch_pro'"
                ).fetchall()
            }
            errors = (
                con.execute("select count(*) from raw_dispatch_pro.file_errors").fetchone()[0]
                if "file_errors" in tables
                else 0
            )
            # why: cut short / wrong length / a signature with no job attachment of its name / other; and
            # whether the job was in this extract (a slice lists only its own jobs' attachments)
            errors_by_reason = (
                {
                    f"{reason} ({'job extracted' if listed else 'job not in this extract'})": n
                    for reason, listed, n in con.execute(ERROR_REASONS).fetchall()
                }
                if "file_errors" in tables
                else {}
            )
            stored_by_kind = dict(
                con.execute("select kind, count(*) from raw_dispatch_pro.files group by 1").fetchall()
            )
            jobs = con.execute("select count(*) from raw_dispatch_pro.jobs").fetchone()[0]
            empty_by_kind = dict(
                con.execute(
                    "select kind, count(*) from raw_dispatch_pro.files where size = 0 group by 1"
                ).fetchall()
            )
        finally:
            con.close()
        out.update(
            files_stored=stored,
            files_empty=empty,
            empty_share=empty / stored if stored else 0.0,
            empty_by_kind=empty_by_kind,
            stored_by_kind=stored_by_kind,
            jobs=jobs,
            kinds=kinds,
            attachments_listed=listed,
            attachments_listed_empty=listed_empty,
            file_errors=errors,
            file_errors_by_reason=errors_by_reason,
            bytes_stored=sum(p.stat().st_size for p in Path(fs.files_dir).rglob("*") if p.is_file()),
        )
        return out
    finally:
        shutil.rmtree(Path(fs.data_dir).parent, ignore_errors=True)


# ------------------------------------------------------------------------------------ inventory, transform


def inventory(s: Settings, ctx: dict) -> dict:
    """``dp2sf inventory`` and the schema deploy to the sandbox org (the demo's schema step)."""
    from mapping.inventory import run_inventory
    from mapping.schema_deploy import deploy_to_sandbox

    def run() -> dict:
        inv = run_inventory(s)
        deployed = deploy_to_sandbox(s).components
        return {"records": inv.manifest_fields, "deployed": deployed}

    return timed(run)


def transform_copy(s: Settings, ctx: dict) -> dict:
    """Baseline: one COPY of every raw table to parquet (reading and writing the data once, nothing else)."""
    import duckdb

    out = Path(s.data_dir).parent / "copy"
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_dispatch_pro'"
            ).fetchall()
        ]

        def run() -> dict:
            rows = 0
            for t in tables:
                con.execute(f"copy raw_dispatch_pro.\"{t}\" to '{out / t}.parquet' (format parquet)")
                rows += con.execute(f'select count(*) from raw_dispatch_pro."{t}"').fetchone()[0]
            return {"records": rows, "tables": len(tables)}

        return timed(run)
    finally:
        con.close()
        shutil.rmtree(out, ignore_errors=True)


def transform(s: Settings, ctx: dict) -> dict:
    from mapping.transform import run_transform

    def run() -> dict:
        r = run_transform(s, docs=False)
        return {
            "records": sum(r.mart_rows.values()),
            "quarantined": sum(r.quarantined_rows.values()),
            "nodes_passed": r.passed,
        }

    return timed(run)


SPARK_BY_TIER = {"M": ("4g", 8)}  # driver memory, shuffle partitions (measured at M; L not yet run on Spark)


def transform_spark(s: Settings, ctx: dict) -> dict:
    """The same dbt project on Spark local (issue 22 §2), beside the DuckDB transform: a copy of the tier's
    raw DuckDB, its raw tables landed as parquet (dlt filesystem destination), ``dbt build`` on Spark and
    the tables copied back (``run_transform(engine="spark")``). The landing is timed apart."""
    from dlt_pipelines.parquet import land_raw_parquet
    from mapping.transform import run_transform

    work = Path(s.data_dir).parent / "spark"
    shutil.rmtree(work, ignore_errors=True)
    update: dict = {"data_dir": work / "data", "build_dir": work / "build"}
    # Spark local needs room past the tiny default (1g, 2 shuffle partitions): at M the JVM went away
    # mid-build at 1g and passed at 4g with 8 partitions. The environment (DP2SF_SPARK_*) still decides.
    sized = SPARK_BY_TIER.get(s.sandbox_scale)
    if sized and "DP2SF_SPARK_DRIVER_MEMORY" not in os.environ:
        update["spark_driver_memory"] = sized[0]
    if sized and "DP2SF_SPARK_SHUFFLE_PARTITIONS" not in os.environ:
        update["spark_shuffle_partitions"] = sized[1]
    spark = s.model_copy(update=update)
    Path(spark.data_dir).mkdir(parents=True)
    shutil.copy2(s.duckdb_path, spark.duckdb_path)

    def run() -> dict:
        started = time.perf_counter()
        landed = land_raw_parquet(spark)
        land_s = time.perf_counter() - started
        r = run_transform(spark, docs=False, engine="spark")
        return {
            "records": sum(r.mart_rows.values()),
            "quarantined": sum(r.quarantined_rows.values()),
            "nodes_passed": r.passed,
            "parquet_rows": sum(landed.rows.values()),
            "land_s": land_s,
            "spark_build_s": time.perf_counter() - started - land_s,
        }

    try:
        return timed(run)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def validate(s: Settings, ctx: dict) -> dict:
    from expectations.validate import run_validate

    def run() -> dict:
        r = run_validate(s, refresh=True)
        return {
            "records": sum(o.rows for o in r.objects.values()),
            "held": r.held,
            "warnings": r.warning_rows,
        }

    return timed(run)


def prescan(s: Settings, ctx: dict) -> dict:
    from reporting.prescan import run_prescan

    def run() -> dict:
        r = run_prescan(s)
        return {"records": None, "html": str(r.html)}

    return timed(run)


def sample(s: Settings, ctx: dict) -> dict:
    """``dp2sf sample`` (select, build, load, read back, diff, report), then the sample rolled back."""
    from loaders.rollback import run_rollback
    from workbench.sample import run_sample, sample_settings

    def run() -> dict:
        r = run_sample(s, size=SAMPLE_JOBS)
        run_rollback(sample_settings(s, r.sample_dir), r.run_id, hard=True)
        return {"records": r.jobs, "blocking": r.blocking, "phases": r.seconds}

    return timed(run)


# -------------------------------------------------------------------------------------- load and after


def bulk_objects(s: Settings, ctx: dict) -> list[str]:
    """The objects the load sends through Bulk API 2.0, in load order; ``ctx["load_objects"]`` narrows them
    (a slice of L: the org's ingest, not the client, bounds a whole L load's wall time)."""
    from loaders.load import make_plan
    from loaders.plan import NOT_BULK

    order = [o for o in make_plan(s).order if o not in NOT_BULK]
    wanted = ctx.get("load_objects")
    return [o for o in order if o in wanted] if wanted else order


def load_bulk2(s: Settings, ctx: dict) -> dict:
    """Baseline: simple-salesforce ``bulk2`` upserts (its defaults) of the same marts as CSV, on a reset org
    (``bench/load.py``'s contender, for the objects the load stage sends)."""
    from bench.load import export_csvs, fresh_org
    from core.connection import connect
    from core.org_api import OrgClient

    fresh_org(s)
    objects = bulk_objects(s, ctx)
    org = OrgClient(connect("sandbox", s.endpoints_file))
    work = Path(s.data_dir).parent / "bulk2"
    work.mkdir(parents=True, exist_ok=True)
    try:
        csvs = export_csvs(s, work, objects)

        def run() -> dict:
            records = 0
            for obj in objects:
                for res in getattr(org.sf.bulk2, obj).upsert(str(csvs[obj]), external_id_field=EXTERNAL_ID):
                    records += int(res["numberRecordsProcessed"])
            return {"records": records}

        out = timed(run)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out.update(client_api_calls=org.usage.calls, objects=objects)
    return out


def load(s: Settings, ctx: dict) -> dict:
    from loaders.load import run_load

    objects = bulk_objects(s, ctx) if ctx.get("load_objects") else None

    def run() -> dict:
        r = run_load(s, objects=objects)
        if r.status != "completed":
            raise SystemExit(f"load {r.run_id} {r.status}: {r.message}")
        return {
            "records": sum(r.sent.values()),
            "run_id": r.run_id,
            "jobs": r.jobs,
            "failed": r.total("failed"),
            "client_api_calls": r.api_calls,
        }

    return timed(run)


def reconcile(s: Settings, ctx: dict) -> dict:
    """``dp2sf reconcile`` of the full load; the per-field part (issue 17) timed apart with a stopwatch."""
    import loaders.reconcile as rec_mod

    watch = {"s": 0.0}
    original = rec_mod.run_field_reconciliation

    def stopwatch(*args, **kwargs):
        t = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            watch["s"] += time.perf_counter() - t

    rec_mod.run_field_reconciliation = stopwatch

    def run() -> dict:
        r = rec_mod.run_reconcile(s, run_id=ctx["load_run_id"])
        problems = [f"{o.name}: {p}" for o in r.objects for p in o.problems()]
        problems += r.fields.problems() if r.fields is not None else []
        return {
            "records": sum(o.source for o in r.objects),
            "ok": r.ok,
            "problems": problems[:10],
            "field_values": sum(f.source for f in r.fields.fields) if r.fields else 0,
            "bulk_queries": r.fields.bulk_queries if r.fields else 0,
        }

    out = timed(run)
    out["per_field_seconds"] = watch["s"]
    return out


def _mart_hashes(s: Settings, path: Path) -> None:
    """Every mart row's content hash (the loader's ``md5(to_json(m))``) by object and external id."""
    import duckdb

    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        objects = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'salesforce' "
                "and table_type = 'BASE TABLE' and table_name in (select table_name from "
                "information_schema.columns where column_name = 'Dispatch_Pro_Id__c')"
            ).fetchall()
        ]
        union = " union all ".join(
            f"select '{o}' as object, m.\"Dispatch_Pro_Id__c\" as key, md5(to_json(m)) as h "
            f'from salesforce."{o}" as m'
            for o in objects
        )
        con.execute(f"copy ({union}) to '{path}' (format parquet)")
    finally:
        con.close()


def delta(s: Settings, ctx: dict) -> dict:
    """1% of the jobs and customers changed in the simulator, then ``dp2sf delta``; the rows it should send
    are the mart rows whose content hash is new or changed, plus the rows the full load failed (resent)."""
    import duckdb

    from workbench.delta import run_delta
    from workbench.demo import change_source

    work = Path(s.data_dir).parent
    before, after = work / "marts_before.parquet", work / "marts_after.parquet"
    _mart_hashes(s, before)
    counts = _raw_counts(s, ("jobs", "customers"))
    changes = (
        {"entity": "jobs", "modify": max(1, round(counts["jobs"] * DELTA_SHARE))},
        {"entity": "customers", "modify": max(1, round(counts["customers"] * DELTA_SHARE))},
    )
    touched = change_source(s, changes)
    # like with like: the extract stage took the tables only (files are their own stage), so does the delta
    out = timed(lambda: {"delta": run_delta(s, files=False)})
    d = out.pop("delta")
    _mart_hashes(s, after)
    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        changed = con.execute(
            f"select count(*) from '{after}' as a left join '{before}' as b using (object, key) "
            "where b.h is distinct from a.h"
        ).fetchone()[0]
        failed_before = con.execute(
            f"select count(*) from ledger.operations as o join '{after}' as a "
            "on a.object = o.object_name and a.key = o.source_key where o.run_id = ? and o.action = 'failed'",
            [ctx["load_run_id"]],
        ).fetchone()[0]
    finally:
        con.close()
    sent = sum(d.load.sent.values())
    out.update(
        records=sent,
        run_id=d.load.run_id,
        source_records_changed=touched,
        extracted=d.records_extracted,
        mart_rows_changed=changed,
        resent_after_failure=failed_before,
        sent_by_object=d.load.sent,
        exact=sent == changed + failed_before,
        status=d.load.status,
    )
    return out


def _raw_counts(s: Settings, tables: tuple[str, ...]) -> dict[str, int]:
    import duckdb

    con = duckdb.connect(str(s.duckdb_path), read_only=True)
    try:
        return {t: con.execute(f'select count(*) from raw_dispatch_pro."{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def rollback(s: Settings, ctx: dict) -> dict:
    """``dp2sf rollback`` of the delta run, then of the full load: the org as before the migration."""
    from loaders.rollback import run_rollback

    def run() -> dict:
        totals: dict[str, int] = {}
        for target in (ctx.get("delta_run_id"), ctx["load_run_id"]):
            if not target:
                continue
            r = run_rollback(s, target, hard=True)
            if r.status != "completed":
                raise SystemExit(f"rollback of {target}: {r.status}")
            for c in r.counts.values():
                for k, v in c.items():
                    totals[k] = totals.get(k, 0) + v
        return {"records": totals.get("deleted", 0) + totals.get("restored", 0), "actions": totals}

    return timed(run)


STAGES: dict[str, Callable[[Settings, dict], dict]] = {
    "extract_plain": extract_plain,
    "extract": extract,
    "extract_snapshot": extract_snapshot,
    "files": files,
    "inventory": inventory,
    "transform_copy": transform_copy,
    "transform": transform,
    "transform_spark": transform_spark,
    "validate": validate,
    "prescan": prescan,
    "sample": sample,
    "load_bulk2": load_bulk2,
    "load": load,
    "reconcile": reconcile,
    "delta": delta,
    "rollback": rollback,
}


def main() -> None:
    stage, work, scale, ctx = sys.argv[1], Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
    s = settings_for(work, scale, int(ctx.get("seed", 42)))
    skip = work / f"skip-{stage}"  # an operator's way to leave a stage out of a running tier, with why
    if skip.exists():
        reason = skip.read_text(encoding="utf-8").strip() or "left out by the operator"
        print(json.dumps({"skipped": reason, "records": None, "seconds": 0.0, "cpu_s": 0.0}))
        return
    print(json.dumps(STAGES[stage](s, ctx), default=str))


if __name__ == "__main__":
    main()
