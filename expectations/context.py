"""The GX file context under ``expectations/gx/``: one suite, validation definition and checkpoint per mart.

Marts are validated as pandas DataFrames (GX's SQL datasource does not work on DuckDB, see
``../shared/reference/conventions.md``): a pandas datasource ``marts`` with one dataframe asset per object,
the frame handed to the checkpoint at run time (``batch_parameters={"dataframe": df}``). Suites, validation
definitions and checkpoints are committed; ``gx/uncommitted/`` (results, Data Docs) is git-ignored.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx  # noqa: E402
import great_expectations.expectations as gxe  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402

from expectations.suites import ObjectRules, Rule  # noqa: E402

DATASOURCE = "marts"
BATCH = "whole"


def checkpoint_name(obj: str) -> str:
    return f"gates_{obj}"


def result_format() -> dict:
    """Every failing row's upsert key and value (GX's COMPLETE format with index columns)."""
    return {"result_format": "COMPLETE", "unexpected_index_column_names": ["Dispatch_Pro_Id__c"]}


def open_context(project_dir: Path):
    """The file context in ``project_dir / "gx"`` (created on first use), progress bars off."""
    project_dir.mkdir(parents=True, exist_ok=True)
    return quiet(gx.get_context(mode="file", project_root_dir=str(project_dir)))


def quiet(context):
    """Progress bars off (they flood logs and slow the run)."""
    bars = context.variables.progress_bars
    globally = bars.get("globally") if isinstance(bars, dict) else getattr(bars, "globally", None)
    if globally is not False:
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()
    return context


def _datasource(context):
    try:
        return context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        return context.data_sources.add_pandas(DATASOURCE)


def _expectation(rule: Rule):
    cls = getattr(gxe, rule.expectation)
    meta = {"rule": rule.rule, "field": rule.field, "reason": rule.reason}
    if rule.derived:
        meta["derived"] = rule.derived
    return cls(**rule.kwargs, meta=meta, severity="critical" if rule.blocking else "warning")


def _delete_quietly(collection, name: str) -> None:
    # GX raises several types for "not there"; absence is what we want
    with contextlib.suppress(Exception):
        collection.delete(name)


def save_object_rules(context, rules: ObjectRules) -> None:
    """Replace the suite, validation definition and checkpoint of one object with ``rules``."""
    obj = rules.object
    _delete_quietly(context.checkpoints, checkpoint_name(obj))
    _delete_quietly(context.validation_definitions, obj)
    _delete_quietly(context.suites, obj)
    source = _datasource(context)
    try:
        asset = source.get_asset(obj)
    except LookupError:
        asset = source.add_dataframe_asset(obj)
    try:
        batch = asset.get_batch_definition(BATCH)
    except (KeyError, ValueError, LookupError):
        batch = asset.add_batch_definition_whole_dataframe(BATCH)
    suite = gx.ExpectationSuite(
        name=obj,
        meta={"generated_from": "org describe", "fingerprint": rules.fingerprint, "notes": rules.notes},
    )
    for rule in rules.rules:
        suite.add_expectation(_expectation(rule))
    suite = context.suites.add(suite)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=obj, data=batch, suite=suite)
    )
    context.checkpoints.add(
        gx.Checkpoint(
            name=checkpoint_name(obj), validation_definitions=[definition], result_format=result_format()
        )
    )


def suite_fingerprint(context, obj: str) -> str | None:
    """The fingerprint the committed suite of ``obj`` was generated from (None: no suite)."""
    try:
        suite = context.suites.get(obj)
    except Exception:  # noqa: BLE001 - missing suite
        return None
    return (suite.meta or {}).get("fingerprint")


def suite_rules(context, obj: str) -> list[Rule]:
    """The rules of a saved suite (what ``validate`` runs and how it derives columns)."""
    suite = context.suites.get(obj)
    out = []
    for e in suite.expectations:
        meta = e.meta or {}
        config = e.configuration
        kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
        out.append(
            Rule(
                object=obj,
                column=kwargs.get("column"),
                field=meta.get("field", ""),
                rule=meta.get("rule", config.type),
                expectation=type(e).__name__,
                kwargs=kwargs,
                reason=meta.get("reason", ""),
                blocking=str(e.severity.value if hasattr(e.severity, "value") else e.severity) == "critical",
                derived=meta.get("derived"),
            )
        )
    return out
