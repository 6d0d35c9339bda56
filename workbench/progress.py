"""One live progress display for a run of stages (``dp2sf demo`` and the long verbs).

In a terminal: a rich ``Live`` panel with the stage list (done, current, to come), and for the current stage
records and files per second, an ETA when the stage knows its total, API calls and the org's remaining daily
allowance when it knows them. Anywhere else (CI, a pipe, a file) the same run prints one line per finished
stage, and nothing while a stage runs. At the end :func:`object_table` prints one table per run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from core.quoting import console_text


@dataclass
class Meter:
    """What a running stage has done so far (``None``: not known for this stage)."""

    records: int = 0
    files: int = 0
    total: int | None = None  # records the stage will handle, when it knows
    api_calls: int | None = None
    allowance_left: int | None = None  # the org's remaining daily API requests


Probe = Callable[[], Meter]


@dataclass
class Stage:
    name: str
    status: str = "waiting"  # waiting | running | done | failed
    summary: str = ""
    started: float = 0.0
    seconds: float = 0.0
    probe: Probe | None = None
    meter: Meter = field(default_factory=Meter)


def _rate(n: int, seconds: float) -> str:
    return f"{n / seconds:,.0f}/s" if seconds > 0.5 else "-"


def meter_line(meter: Meter, seconds: float) -> str:
    """``records 1,200 (300/s) · files 40 (10/s) · ETA 0:12 · API calls 35 · allowance left 14,965``."""
    parts = []
    if meter.records or meter.total:
        total = f" of {meter.total:,}" if meter.total else ""
        parts.append(f"records {meter.records:,}{total} ({_rate(meter.records, seconds)})")
    if meter.files:
        parts.append(f"files {meter.files:,} ({_rate(meter.files, seconds)})")
    if meter.total and meter.records and seconds > 0.5:
        left = max(meter.total - meter.records, 0) / (meter.records / seconds)
        parts.append(f"ETA {int(left) // 60}:{int(left) % 60:02d}")
    if meter.api_calls is not None:
        parts.append(f"API calls {meter.api_calls:,}")
    if meter.allowance_left is not None:
        parts.append(f"allowance left {meter.allowance_left:,}")
    return " · ".join(parts)


class RunDisplay:
    """The stages of one run, shown live in a terminal or as one line each elsewhere.

    >>> with RunDisplay("demo", ["extract", "load"], console) as run:
    ...     with run.stage("extract", probe=lambda: Meter(records=n)) as stage:
    ...         stage.summary = "1,200 records"
    """

    def __init__(self, title: str, stages: Sequence[str], console: Console, live: bool | None = None):
        self.title = title
        self.console = console
        self.stages = {name: Stage(name) for name in stages}
        self.live_mode = console.is_terminal if live is None else live
        self._live: Live | None = None
        self.started = time.monotonic()

    # -- rendering -------------------------------------------------------------------------------
    def __rich__(self) -> RenderableType:
        table = Table.grid(padding=(0, 1))
        icons = {
            "waiting": "[dim]·[/]",
            "running": "[cyan]▶[/]",
            "done": "[green]✓[/]",
            "failed": "[red]✗[/]",
        }
        for i, st in enumerate(self.stages.values(), 1):
            secs = time.monotonic() - st.started if st.status == "running" else st.seconds
            when = f"{secs:5.1f}s" if st.status != "waiting" else ""
            style = "bold" if st.status == "running" else ("dim" if st.status == "waiting" else "")
            table.add_row(icons[st.status], f"{i:2d}.", Text(st.name, style=style), when,
                          Text(st.summary, style="dim"))  # fmt: skip
        lines: list[RenderableType] = [Text(f"{self.title}", style="bold"), table]
        current = self.current()
        if current is not None:
            if current.probe is not None:
                current.meter = _safe(current.probe, current.meter)
            line = meter_line(current.meter, time.monotonic() - current.started)
            if line:
                lines.append(Text(f"  {current.name}: {line}", style="cyan"))
        return Group(*lines)

    def current(self) -> Stage | None:
        return next((s for s in self.stages.values() if s.status == "running"), None)

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> RunDisplay:
        if self.live_mode:
            self._live = Live(self, console=self.console, refresh_per_second=4, transient=False)
            self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    @contextmanager
    def stage(self, name: str, probe: Probe | None = None) -> Iterator[Stage]:
        """Mark ``name`` running; on exit done (or failed when it raised), and, outside a terminal, one
        line: ``[ 3/12] transform  12.4s  <summary>``."""
        st = self.stages.setdefault(name, Stage(name))
        st.status, st.started, st.probe = "running", time.monotonic(), probe
        try:
            yield st
        except BaseException:
            st.status = "failed"
            raise
        else:
            st.status = "done"
        finally:
            st.seconds = time.monotonic() - st.started
            if st.probe is not None:
                st.meter = _safe(st.probe, st.meter)
            if not self.live_mode:
                self._line(st)

    def _line(self, st: Stage) -> None:
        index = list(self.stages).index(st.name) + 1
        mark = "ok" if st.status == "done" else "FAILED"
        summary = f"  {st.summary}" if st.summary else ""
        self.console.print(
            f"[{index:2d}/{len(self.stages)}] {console_text(st.name)} {mark} {st.seconds:.1f}s"
            f"{console_text(summary)}",
            highlight=False,
            soft_wrap=True,
        )


def _safe(probe: Probe, last: Meter) -> Meter:
    """A probe that fails (a counter not there yet) keeps the last reading: the display never stops a run."""
    try:
        return probe()
    except Exception:  # noqa: BLE001 - a progress reading must not break the stage it watches
        return last


OBJECT_COLUMNS = ("source", "loaded", "quarantined", "gates", "skipped", "failed", "in org")


def object_table(rows: Sequence[dict], title: str) -> Table:
    """The run's closing table: one row per object with the reconciliation's equation and the org's count."""
    table = Table("object", *OBJECT_COLUMNS, title=title)
    for row in rows:
        table.add_row(console_text(str(row["object"])), *(f"{row.get(c, 0):,}" for c in OBJECT_COLUMNS))
    return table


def reconciliation_rows(result) -> list[dict]:
    """:class:`loaders.reconcile.ReconcileResult` as :func:`object_table` rows."""
    return [
        {"object": o.name, "source": o.source, "loaded": o.loaded, "quarantined": o.quarantined,
         "gates": o.gates, "skipped": o.skipped, "failed": o.failed, "in org": o.in_org}
        for o in result.objects
    ]  # fmt: skip


@contextmanager
def one_stage(console: Console, name: str, probe: Probe | None = None) -> Iterator[Stage]:
    """A long verb's display: one stage, live in a terminal, one line at its end elsewhere."""
    with RunDisplay(f"dp2sf {name}", [name], console) as run, run.stage(name, probe) as st:
        yield st
