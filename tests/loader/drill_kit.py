"""What every bad-day drill of issue 19 ends with: the org as the expected snapshot, and the reconciliation
holding (the load's, or the rollback's), read through the same functions ``dp2sf reconcile`` calls."""

from __future__ import annotations

import os
import random
import time

from typer.testing import CliRunner

from core.settings import Settings
from loaders.reconcile import run_reconcile
from loaders.reconcile_rollback import run_rollback_reconcile
from tests.loader.helpers import Admin

# what two runs at different moments stamp differently on the same record (the org's own clock)
STAMPS = {"CreatedDate", "ClosedDate"}


def assert_org_as(admin: Admin, expected: str, context: str = "") -> None:
    """The org now holds the records of snapshot ``expected``: the same ids, the same values (only the
    clock's stamps may differ), nothing added, removed or in the recycle bin that was not there."""
    diff = admin.diff(expected, admin.snapshot())
    assert not diff["files_changed"], f"{context}: file bytes differ {diff['files_changed'][:5]}"
    for obj, change in diff["objects"].items():
        assert change["added"] == [] and change["removed"] == [], (
            f"{context}: {obj} added {change['added'][:5]} removed {change['removed'][:5]}"
        )
        assert change["recycle_bin_added"] == change["recycle_bin_removed"] == [], f"{context}: {obj} bin"
        fields = {f for fs in change["changed"].values() for f in fs}
        assert fields <= STAMPS, f"{context}: {obj} changed {sorted(fields)}"


def assert_load_reconciles(
    settings: Settings, run_id: str, objects: list[str] | None = None, context: str = ""
) -> None:
    """``run_reconcile`` of ``run_id`` (what ``dp2sf reconcile --run`` prints; exit 2 unless ok) holds,
    records and fields: for every object of the plan, or for ``objects`` (a run that loaded only these)."""
    result = run_reconcile(settings, run_id=run_id)
    if objects is None:
        problems = [f"{o.name}: {o.problems()}" for o in result.objects if not o.ok]
        assert result.ok, f"{context}: {problems[:5]} {result.fields.problems()[:5] if result.fields else ''}"
        return
    by_name = {o.name: o for o in result.objects}
    for name in objects:
        assert by_name[name].ok, f"{context}: {name}: {by_name[name].problems()}"
        assert by_name[name].loaded > 0, f"{context}: {name}: nothing loaded"
    fields = result.fields.fields if result.fields else []
    problems = [f.problem() for f in fields if f.object in objects and not f.ok]
    assert not problems, f"{context}: {problems[:5]}"


def assert_rollback_reconciles(settings: Settings, rollback_run: str, context: str = "") -> None:
    """The rollback's reconciliation holds: every record its run wrote deleted or restored, none left alone
    or failed, nothing deleted still live, every restore back to its before-image."""
    result = run_rollback_reconcile(settings, rollback_run)
    for o in result.objects:
        assert o.ok, f"{context}: {o.name}: {o.problems()}"
        assert o.left_alone == o.failed == 0, (o.name, o.left_alone, o.failed, context)
    assert sum(o.written for o in result.objects) > 0, context


def cli_reconcile(settings: Settings, run_id: str | None = None) -> tuple[int, str]:
    """``dp2sf reconcile [--run]`` through the CLI app, in this process: exit code and output."""
    from workbench.cli import app

    env = {f"DP2SF_{n.upper()}": str(getattr(settings, n)) for n in ("sandbox_dir", "data_dir", "reports_dir",
                                                                      "build_dir")}  # fmt: skip
    args = ["reconcile", *(["--run", run_id] if run_id else [])]
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.output


def drill_rng() -> tuple[int, random.Random]:
    """A seeded draw for a drill; ``DP2SF_DRILL_SEED=<n>`` replays one (the seed is printed and in every
    failure message)."""
    seed = int(os.environ.get("DP2SF_DRILL_SEED") or time.time_ns() % 1_000_000)
    return seed, random.Random(seed)
