"""The rollback's conflict check asks the org ONE Bulk query per object (records modified since the target
run began), not a REST query per 200 loaded ids; a person's edit is still found and left alone, the rest
undone."""

from __future__ import annotations

import time

from loaders.load import run_load
from loaders.rollback import run_rollback
from loaders.rollback_edits import since_literal
from tests.loader.helpers import org_client

OBJECTS = ["Account", "Contact", "Skill__c"]


def test_since_literal_is_soql_datetime_a_minute_early() -> None:
    from datetime import datetime

    assert since_literal(datetime(2026, 12, 7, 15, 0, 30, 999_000)) == "2026-12-07T14:59:30Z"


def test_the_per_object_query_finds_a_persons_edit_and_undoes_the_rest(workspace) -> None:
    load = run_load(workspace, objects=OBJECTS)
    org = org_client(workspace)
    time.sleep(1.1)  # LastModifiedDate has second precision
    skill = next(
        org.query_iter("SELECT Id, Dispatch_Pro_Id__c FROM Skill__c ORDER BY Dispatch_Pro_Id__c LIMIT 1")
    )
    org.sf.Skill__c.update(skill["Id"], {"Name": "Edited in the org after the run"})
    rb = run_rollback(workspace, load.run_id, org=org)
    assert [c["source_key"] for c in rb.conflicts] == [skill["Dispatch_Pro_Id__c"]]
    assert rb.counts["Skill__c"]["deleted"] == load.counts["Skill__c"]["created"] - 1
