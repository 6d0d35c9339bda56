"""Builds made once per test run and shared by the xdist workers, and private copies of them.

A build lives in ``<run dir>/shared/<name>``: the run dir is the parent of a worker's base temp dir (all
workers of one ``pytest -n N`` share it; a new run gets a new one) or, without xdist, the base temp dir
itself. The first worker that asks builds it while holding an exclusive ``fcntl`` lock on
``<name>.lock``; the others wait on the lock and then find the ``.done`` marker. A failed build leaves a
``.failed`` marker with the error, so the other workers fail at once instead of building again.

Builds are never written after ``.done``: a test that writes takes a copy (:func:`copy_build`); copies are
cheap, builds are not.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from core.settings import Settings, get_settings

DONE = ".done"
FAILED = ".failed"


def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory every worker of this test run shares (the base temp dir without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (created if missing) for the block; released on exit."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(root)`` once per test run for all workers; returns ``root`` (read it, copy it, never write)."""
    shared = run_dir(tmp_path_factory) / "shared"
    root = shared / name
    with exclusive(shared / f"{name}.lock"):
        if (root / FAILED).is_file():
            pytest.fail(f"the shared build {name!r} failed in another worker:\n{(root / FAILED).read_text()}")
        if not (root / DONE).is_file():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir(parents=True)
            try:
                build(root)
            except BaseException:
                (root / FAILED).write_text(traceback.format_exc())
                raise
            (root / DONE).write_text("")
    return root


def copy_build(source: Path, dest: Path) -> Path:
    """A private copy of a built folder (``data/``, ``build/``, ...) at ``dest`` (which must not exist)."""
    shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns(DONE, FAILED, "*.wal"))
    return dest


def private_copy(settings: Settings, dest: Path) -> Settings:
    """``settings`` on a private copy of its DuckDB file under ``dest/data``, with its own reports folder
    and a fresh GX context under ``dest`` (same sandbox, same build dir)."""
    data = dest / "data"
    data.mkdir(parents=True)
    shutil.copy(settings.duckdb_path, data / settings.duckdb_file)
    update = {"data_dir": data, "reports_dir": dest / "reports", "gx_project_dir": dest / "gx_project"}
    return get_settings(**{**settings.model_dump(), **update})
