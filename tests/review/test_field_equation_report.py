"""The reconciliation report's per-field equation, from the JSON ``dp2sf reconcile`` writes."""

from __future__ import annotations

from dataclasses import asdict

from loaders.reconcile_fields import FieldReconciliation, FieldsResult
from reporting import reconciliation as rr


def test_the_field_that_does_not_add_up_comes_first_named_with_its_source() -> None:
    ok = FieldReconciliation(
        "Case", "Source_Created_Date__c", "jobs", "created_on", "cast", source=5, in_org=5
    )
    bad = FieldReconciliation(
        "Contact", "MailingLatitude", "customers", "address__latitude", "cast",
        source=4, in_org=1, flagged=1, dropped=2, dropped_examples=["customer:7", "customer:9"],
        lost_edge=True,
    )  # fmt: skip
    derived = [{"source_table": "customers__contacts", "source_column": "type", "object": "Account",
                "field": "Fax", "transformation": "derived", "lost_edge": False}]  # fmt: skip
    result = {"fields": FieldsResult([ok, bad], derived, bulk_queries=2).as_json()}
    assert not result["fields"]["ok"] and result["fields"]["problems"][0].startswith(
        "Contact.MailingLatitude ← customers.address__latitude: lineage edge approved but gone"
    )
    table = rr.field_equation(result)
    first = table.iloc[0]
    assert (first["object"], first["field"], first["source"]) == (
        "Contact",
        "MailingLatitude",
        "customers.address__latitude",
    )
    assert not first["holds"] and "2 dropped" in first["problem"] and "gone" in first["problem"]
    assert (
        first["source_values"]
        == first["in_org"] + first["flagged"] + first["held_back"] + first["declared"] + first["dropped"]
    )
    assert first["dropped_examples"] == "customer:7, customer:9"
    assert table.iloc[1]["holds"]
    assert rr.derived_fields(result).to_dict("records") == [
        {
            "object": "Account",
            "field": "Fax",
            "inputs": "customers__contacts.type",
            "transformation": "derived",
        }
    ]
    # a JSON from before the per-field reconciliation renders an empty table, not an error
    assert rr.field_equation({"objects": []}).empty and rr.derived_fields({}).empty
    assert asdict(ok)["source"] == 5
