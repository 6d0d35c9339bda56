"""The admin overlay: records modified or created after start-up, on top of the deterministic base.

For each entity code it keeps ``index -> [modifiedOn ticks, times modified, createdOn ticks or None]``, and
the ticks of every modification (``stamps``), so what a change appended (a job's new status event) keeps its
time when the record changes again: the source's history is append-only (ServiceTitan's JPM v2
``GET /tenant/{tenant}/export/job-history``, "export feed for job status history": per job, events each with
its own ``id`` and ``date``: its OpenAPI spec, jpm-v2.json, as MeltanoLabs/tap-service-titan publishes it).
Ticks handed out are strictly increasing and always later than the base data window, so modified records
sort after every base record (export order is (modifiedOn, id)). Persisted as JSON under the state dir.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from .timefmt import now_ticks


class Overlay:
    """In-memory overlay, saved to ``<state_dir>/overlay.json`` after every change."""

    def __init__(self, path: Path | None, floor_ticks: int) -> None:
        self.path = path
        self.floor = floor_ticks
        self.state: dict[int, dict[int, list[int | None]]] = {}
        self.created: dict[int, int] = {}  # code -> number of created records
        self.deactivated: dict[int, set[int]] = {}  # code -> indexes set inactive by the admin API
        self.stamps: dict[int, dict[int, list[int]]] = {}  # code -> index -> ticks of each modification
        self.version = 0
        self._last = floor_ticks
        self._tails: dict[int, tuple[int, list[tuple[int, int]]]] = {}
        self._lock = threading.Lock()
        if path is not None and path.exists():
            self._load(path)

    # ----- persistence --------------------------------------------------------------------------------------
    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text())
            self.state = {
                int(code): {int(i): list(v) for i, v in rows.items()} for code, rows in data["state"].items()
            }
            self.created = {int(code): int(n) for code, n in data["created"].items()}
            self.deactivated = {int(c): set(map(int, ix)) for c, ix in data.get("deactivated", {}).items()}
            self.stamps = {
                int(code): {int(i): [int(t) for t in ticks] for i, ticks in rows.items()}
                for code, rows in data.get("stamps", {}).items()
            }
            self._last = max(int(data["last"]), self.floor)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"cannot read the overlay file {path}: {exc}") from None
        self.version += 1

    def save(self) -> None:
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        payload = {
            "state": self.state,
            "created": self.created,
            "last": self._last,
            "deactivated": {code: sorted(ix) for code, ix in self.deactivated.items()},
            "stamps": self.stamps,
        }
        tmp.write_text(json.dumps(payload))
        tmp.replace(self.path)

    # ----- changes ------------------------------------------------------------------------------------------
    def _tick(self) -> int:
        self._last = max(now_ticks(), self._last + 1)
        return self._last

    def modify(self, code: int, index: int) -> int:
        """Bump record ``index``: new modifiedOn, one more modification. Returns the new ticks."""
        with self._lock:
            ticks = self._tick()
            row = self.state.setdefault(code, {}).get(index)
            if row is None:
                self.state[code][index] = [ticks, 1, None]
            else:
                row[0], row[1] = ticks, int(row[1] or 0) + 1
            self.stamps.setdefault(code, {}).setdefault(index, []).append(ticks)
            self.version += 1
            return ticks

    def touch(self, code: int, index: int) -> int:
        """Bump record ``index``'s modifiedOn without counting a modification (a child of it changed)."""
        with self._lock:
            ticks = self._tick()
            row = self.state.setdefault(code, {}).get(index)
            if row is None:
                self.state[code][index] = [ticks, 0, None]
            else:
                row[0] = ticks
            self.version += 1
            return ticks

    def deactivate(self, code: int, index: int) -> int:
        """Set record ``index`` inactive (and bump it, as a change). Returns the new ticks."""
        ticks = self.modify(code, index)
        with self._lock:
            self.deactivated.setdefault(code, set()).add(index)
            self.version += 1
        return ticks

    def is_deactivated(self, code: int, index: int) -> bool:
        rows = self.deactivated.get(code)
        return bool(rows) and index in rows

    def create(self, code: int, base_count: int) -> int:
        """Append a new record after the base ones; returns its index."""
        with self._lock:
            ticks = self._tick()
            index = base_count + self.created.get(code, 0)
            self.created[code] = self.created.get(code, 0) + 1
            self.state.setdefault(code, {})[index] = [ticks, 0, ticks]
            self.version += 1
            return index

    # ----- queries ------------------------------------------------------------------------------------------
    def row(self, code: int, index: int) -> list[int | None] | None:
        rows = self.state.get(code)
        return rows.get(index) if rows else None

    def modification_ticks(self, code: int, index: int) -> tuple[int, ...]:
        """The ticks of each modification of record ``index``, oldest first."""
        rows = self.stamps.get(code)
        return tuple(rows.get(index, ())) if rows else ()

    def n_created(self, code: int) -> int:
        return self.created.get(code, 0)

    def tail(self, code: int) -> list[tuple[int, int]]:
        """(ticks, index) of every overlaid record of ``code``, in modification order."""
        cached = self._tails.get(code)
        if cached and cached[0] == self.version:
            return cached[1]
        rows = self.state.get(code, {})
        tail = sorted((int(v[0]), i) for i, v in rows.items())  # type: ignore[arg-type]
        self._tails[code] = (self.version, tail)
        return tail
