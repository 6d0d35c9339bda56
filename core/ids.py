"""Identity: the external id every record the workbench writes carries, and run ids.

``Dispatch_Pro_Id__c`` (unique, external id) says where a record came from (``job:1234``); loads upsert on
it. Every run (load, delta, rollback, sample, validate, prescan, map diff, review) gets one id of one format:
``<UTC time>-<kind>-<6 hex>``, sortable by time and unique within a second.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

EXTERNAL_ID = "Dispatch_Pro_Id__c"


def new_run_id(kind: str) -> str:
    """A new run id: ``20261207T081500-full-3f9a2c``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{kind}-{uuid.uuid4().hex[:6]}"
