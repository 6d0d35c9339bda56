"""Which objects of one plan level load side by side, and the one thread that talks to DuckDB meanwhile.

Objects of one level do not depend on each other (the plan's graphlib levels), so their jobs may run at the
same time. Salesforce locks the parent record while it writes a child that points at it; two jobs writing
children of the same parent at once fail rows with ``UNABLE_TO_LOCK_ROW``
("Organize Data to Minimize Lock Contention":
https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_organize_data.htm).
So two objects of a level share a lane (run one after the other) when some parent record is pointed at by
rows of both; otherwise they get lanes of their own and run in parallel, at most ``load_parallel_objects``
at once. Within an object, chunks go one job at a time (children of one heavily shared parent never meet in
two concurrent jobs).

DuckDB keeps single-writer discipline: while lanes run, every ledger read and write goes through
:class:`DbThread`, one thread owning the one connection; the lane threads do HTTP only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import duckdb

from core.quoting import sql_ident
from loaders.plan import MART_SCHEMA, ObjectPlan

T = TypeVar("T")


def shared_parents(con: duckdb.DuckDBPyConnection, a: ObjectPlan, b: ObjectPlan) -> int:
    """How many parent records rows of both ``a`` and ``b`` point at (0: their jobs never meet on a lock)."""
    total = 0
    for la in a.lookups:
        for lb in b.lookups:
            if la.parent != lb.parent or la.column not in a.columns or lb.column not in b.columns:
                continue
            total += con.execute(
                f"select count(*) from (select {sql_ident(la.column)} as k from "
                f"{MART_SCHEMA}.{sql_ident(a.name)} "
                f"intersect select {sql_ident(lb.column)} from {MART_SCHEMA}.{sql_ident(b.name)}) where "
                f"k is not null"
            ).fetchall()[0][0]
    return total


def plan_lanes(con: duckdb.DuckDBPyConnection, objects: list[ObjectPlan]) -> list[list[ObjectPlan]]:
    """Objects of one level grouped into lanes: objects sharing a parent record are in the same lane (in
    plan order); lanes share none."""
    lane_of = list(range(len(objects)))

    def find(i: int) -> int:
        while lane_of[i] != i:
            lane_of[i] = lane_of[lane_of[i]]
            i = lane_of[i]
        return i

    for i, a in enumerate(objects):
        for j in range(i + 1, len(objects)):
            if find(i) != find(j) and shared_parents(con, a, objects[j]):
                lane_of[find(j)] = find(i)
    lanes: dict[int, list[ObjectPlan]] = {}
    for i, obj in enumerate(objects):
        lanes.setdefault(find(i), []).append(obj)
    return list(lanes.values())


class DbThread:
    """Runs callables on one dedicated thread (the DuckDB connection's only user while lanes run).

    Inline (``parallel=False``) it simply calls them: the sequential load needs no thread."""

    def __init__(self, parallel: bool):
        self._pool = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="dp2sf-duckdb") if parallel else None
        )
        self._owner = threading.local()

    def __call__(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._pool is None or getattr(self._owner, "inside", False):
            return fn(*args, **kwargs)

        def run() -> T:
            self._owner.inside = True
            return fn(*args, **kwargs)

        future: Future[T] = self._pool.submit(run)
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
