"""Fault injection for the resume tests: ``DP2SF_LOAD_KILL_AT=<point>:<object>:<chunk>`` makes the process
SIGKILL itself there; unset in normal runs. The points of a load chunk's life (``LOAD_POINTS``), of a chunk
of files (``FILE_POINTS``) and of a rollback job (``ROLLBACK_POINTS``) are listed here so the drills can cover
every one of them."""

from __future__ import annotations

import os
import signal

KILL_AT_ENV = "DP2SF_LOAD_KILL_AT"
# a load chunk: pending rows and checkpoint written; job created (id checkpointed, nothing uploaded); data
# uploaded (job still Open); job closed (the org runs it, results not read); inside the transaction settling
# its results
LOAD_POINTS = ("checkpointed", "created", "uploaded", "closed", "settling")
# a chunk of files (loaders/files.py): every file uploaded and read back, links not checked, nothing recorded
FILE_POINTS = ("files-uploaded",)
# a rollback job: the org deleted / restored, the ledger has not heard
ROLLBACK_POINTS = ("rollback-deleted", "rollback-restored")


def kill_point(point: str, obj: str, chunk: int) -> None:
    """``kill -9`` of this process at a chosen point of a chunk's life (``DP2SF_LOAD_KILL_AT`` names it)."""
    if os.environ.get(KILL_AT_ENV) == f"{point}:{obj}:{chunk}":
        os.kill(os.getpid(), signal.SIGKILL)
