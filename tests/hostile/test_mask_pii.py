"""``--mask-pii`` masks names, emails, phones and street addresses in every column of every output of every
verb that offers it, names inside free text included (issue 18, finding 3)."""

from __future__ import annotations

import pandas as pd

from core.pii import mask_frame, mask_text, pii_kind
from expectations.prescan import Prescan
from mapping.map_diff import show as map_diff_show
from reporting.prescan import mask as prescan_mask
from workbench.sample import for_display

PEOPLE = ("Ann Baker", "Rosalind Okafor", "Baker Plumbing LLC")
STREETS = ("123 Main Street", "4 N. Oak Ave Apt. 5", "77 Ruth Crossing", "9876 Elm Rd")
RAW = (*PEOPLE, *STREETS, "ann.baker@customer.example", "(275) 613-7236", "Rosalind", "Okafor")


def _cells(frame: pd.DataFrame) -> str:
    return " | ".join(str(v) for v in frame.astype(str).to_numpy().ravel())


def _no_raw(frame: pd.DataFrame) -> None:
    text = _cells(frame)
    leaks = [raw for raw in RAW if raw.lower() in text.lower()]
    assert leaks == [], f"{leaks} in {text[:500]}"


def test_street_columns_and_fields_are_addresses() -> None:
    for name in ("street", "BillingStreet", "MailingStreet", "Street__c", "address", "ShippingStreet"):
        assert pii_kind(name) == "address", name
    assert pii_kind("email_address") == "email"


def test_streets_in_free_text_are_masked() -> None:
    for street in STREETS:
        out = mask_text(f"visit at {street}, ring twice")
        assert street not in out and "address#" in out and out.startswith("visit at "), out


def test_prescan_masks_addresses_and_names_inside_notes() -> None:
    scan = Prescan(
        tables={
            "incomplete_addresses": pd.DataFrame(
                {
                    "object_name": ["Account", "Contact"],
                    "source_key": ["customer:1", "contact:2"],
                    "street": [STREETS[0], STREETS[1]],
                    "city": ["", "Springfield"],
                    "state": ["IL", ""],
                    "postal_code": ["", ""],
                    "missing": ["city postal_code", "state postal_code"],
                }
            ),  # fmt: skip
            "duplicates": pd.DataFrame(
                {
                    "keep_customer_id": [1],
                    "merge_customer_id": [2],
                    "kind": ["fuzzy"],
                    "score": [92.0],
                    "keep_name": [PEOPLE[0]],
                    "merge_name": [PEOPLE[2]],
                    "suggestion": [f"merge {PEOPLE[2]} into {PEOPLE[0]} at {STREETS[3]}"],
                }
            ),  # fmt: skip
            "owners": pd.DataFrame(
                {
                    "technician": [PEOPLE[1]],
                    "email": ["ann.baker@customer.example"],
                    "match": ["none"],
                    "note": ["Rosalind Okafor has no User; call (275) 613-7236"],
                }
            ),  # fmt: skip
        },
        notes=["owner Rosalind Okafor of 77 Ruth Crossing could not be matched"],
    )
    prescan_mask(scan)
    for frame in scan.tables.values():
        _no_raw(frame)
    _no_raw(pd.DataFrame({"note": scan.notes}))
    assert scan.tables["incomplete_addresses"]["object_name"].tolist() == ["Account", "Contact"]
    assert scan.tables["incomplete_addresses"]["city"].tolist() == ["", "Springfield"]


def test_map_diff_masks_base_and_head_values_by_the_field_they_hold() -> None:
    changes = pd.DataFrame(
        {"object": ["Contact", "Contact", "Account", "Account", "Case", "Case"],
         "key": ["contact:1", "contact:1", "customer:1", "customer:1", "job:1", "job:1"],
         "field": ["FirstName", "LastName", "Name", "BillingStreet", "Description", "Status"],
         "base_value": ["Rosalind", "Okafor", PEOPLE[2], STREETS[0], "Ann Baker called about 9876 Elm Rd",
                        "New"],
         "head_value": ["Rosalind", "Okafor", "Baker Plumbing", STREETS[1], "Rosalind Okafor will come",
                        "Working"]}
    )  # fmt: skip
    shown = map_diff_show(changes, mask_pii=True)
    _no_raw(shown)
    status = shown[shown["field"] == "Status"]
    assert status["base_value"].tolist() == ["New"] and status["head_value"].tolist() == ["Working"]
    assert shown["object"].tolist() == changes["object"].tolist()  # structure stays readable


def test_sample_diff_masks_org_and_source_values() -> None:
    findings = pd.DataFrame(
        {"object": ["Contact", "Location__c"], "field": ["LastName", "Street__c"],
         "external_id": ["contact:1", "location:1"], "source_value": ["Okafor", STREETS[2]],
         "intended_value": ["Okafor", STREETS[2]], "org_value": ["Okafor", STREETS[3]]}
    )  # fmt: skip
    _no_raw(for_display(findings, True))


def test_mask_frame_keeps_codes_that_look_like_a_name_word() -> None:
    frame = pd.DataFrame(
        {"name": ["Account Services"], "object": ["Account"], "note": ["Account Services call"]}
    )
    out = mask_frame(frame)
    assert out["object"].tolist() == ["Account"]  # a lone word is a code, not free text
    assert "Account Services" not in out["note"][0]
