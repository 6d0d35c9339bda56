"""The load order from lookups: parents first, self-lookups and cycles broken into a second pass."""

from __future__ import annotations

import pytest

from loaders.plan import Lookup, PlanError, order_objects, relationship_column


def _lk(field: str, parent: str, required: bool = False) -> Lookup:
    return Lookup(field, relationship_column(field, "Lookup"), parent, required, "Lookup")


def test_relationship_columns_follow_the_mart_contract() -> None:
    assert relationship_column("AccountId", "Lookup") == "Account.Dispatch_Pro_Id__c"
    assert relationship_column("Case__c", "MasterDetail") == "Case__r.Dispatch_Pro_Id__c"
    assert relationship_column("_what_case_key", "Helper") == "_what_case_key"


def test_a_self_lookup_is_not_an_edge_and_a_cycle_defers_its_optional_lookup() -> None:
    lookups = {
        "Account": [_lk("ParentId", "Account"), _lk("Primary_Contact__c", "Contact")],
        "Contact": [_lk("AccountId", "Account", required=True)],
        "Case": [_lk("AccountId", "Account"), _lk("ContactId", "Contact")],
    }
    levels, deferred = order_objects(lookups, {"Account", "Contact", "Case"})
    assert levels == [["Account"], ["Contact"], ["Case"]]
    assert deferred == {("Account", "Primary_Contact__c")}


def test_a_cycle_of_required_lookups_is_refused_with_the_cycle_named() -> None:
    lookups = {"A__c": [_lk("B__c", "B__c", required=True)], "B__c": [_lk("A__c", "A__c", required=True)]}
    with pytest.raises(PlanError, match="cycle of required lookups"):
        order_objects(lookups, {"A__c", "B__c"})
