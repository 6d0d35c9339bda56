"""Fault injection for the resume tests: ``DP2SF_LOAD_KILL_AT=<point>:<object>:<chunk>`` makes the process
SIGKILL itself there (points: checkpointed, created, uploaded, closed, settling, rollback-deleted,
rollback-restored); unset in normal runs."""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "DP2SF_LOAD_KILL_AT"


def kill_point(point: str, obj: str, chunk: int) -> None:
    """``kill -9`` of this process at a chosen point of a chunk's life (``DP2SF_LOAD_KILL_AT`` names it)."""
    if os.environ.get(KILL_AT_ENV) == f"{point}:{obj}:{chunk}":
        os.kill(os.getpid(), signal.SIGKILL)
