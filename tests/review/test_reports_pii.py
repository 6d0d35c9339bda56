"""``--mask-pii`` (core/pii.py): names, emails and phones become stable short hashes; nothing else
moves."""

from __future__ import annotations

import pandas as pd
import pytest

from core.pii import mask_frame, mask_text, mask_value, pii_kind


def test_same_person_masks_alike_whatever_the_formatting() -> None:
    assert mask_value("Joseph.oliver@BURNS.EXAMPLE\t", "email") == mask_value(
        "joseph.oliver@burns.example", "email"
    )
    phones = {
        mask_value(p, "phone") for p in ("(275) 613-7236", "+1 275 613 7236", "275-613-7236", "2756137236")
    }
    assert len(phones) == 1
    assert mask_value("  Joseph  Oliver", "name") == mask_value("joseph oliver", "name")
    token = mask_value("(275) 613-7236", "phone")
    assert token.startswith("phone#") and len(token) == len("phone#") + 10
    assert mask_value("a@b.example", "email") != mask_value("c@b.example", "email")


def test_empty_values_stay_and_unknown_kind_is_an_error() -> None:
    assert mask_value(None, "email") is None
    assert mask_value("", "name") == ""
    assert pd.isna(mask_value(float("nan"), "phone"))
    with pytest.raises(ValueError, match="unknown PII kind"):
        mask_value("x", "ssn")


def test_salt_changes_the_tokens(monkeypatch) -> None:
    plain = mask_value("a@b.example", "email")
    monkeypatch.setenv("DP2SF_PII_SALT", "s3cret")
    assert mask_value("a@b.example", "email") != plain


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("call (918) 368-5251 after 5", "(918) 368-5251"),
        ("mobile +1 982 785 7951", "982 785 7951"),
        ("fax 833-620-1262.", "833-620-1262"),
        ("digits 2756137236 only", "2756137236"),
        ("write to janet.estes70@bailey-garcia.info today", "janet.estes70@bailey-garcia.info"),
    ],
)
def test_free_text_loses_emails_and_phone_numbers(text: str, gone: str) -> None:
    masked = mask_text(text)
    assert gone not in masked and ("#" in masked)


@pytest.mark.parametrize(
    "text",
    [
        "customer:10000001",
        "job:50000084 total 1234.56",
        "run 20261129T235823-c6dc8c",
        "md5 0cc175b9c0f1b6a831c3",
    ],
)
def test_ids_amounts_and_run_ids_are_not_mistaken_for_phones(text: str) -> None:
    assert mask_text(text) == text


def test_column_and_field_kinds() -> None:
    assert pii_kind("user_email") == "email" and pii_kind("MobilePhone") == "phone"
    assert (
        pii_kind("FirstName") == "name"
        and pii_kind("keep_name") == "name"
        and pii_kind("Signer_Name__c") == "name"
    )
    assert pii_kind("object_name") is None and pii_kind("file_name") is None and pii_kind("Status") is None


def test_mask_frame_masks_by_column_by_field_and_in_text() -> None:
    frame = pd.DataFrame(
        {
            "technician": ["Joseph Oliver"],
            "email": ["joseph@x.example"],
            "object_name": ["Contact"],
            "field": ["Phone"],
            "source": ["(275) 613-7236"],
            "org": ["(275) 613-0000"],
            "reason": ["duplicate of maria@y.example"],
            "count": [3],
        }
    )
    out = mask_frame(frame)
    assert out.loc[0, "technician"] == mask_value("Joseph Oliver", "name")
    assert out.loc[0, "email"] == mask_value("joseph@x.example", "email")
    assert out.loc[0, "source"] == mask_value("(275) 613-7236", "phone")
    assert out.loc[0, "org"] == mask_value("2756130000", "phone")
    assert out.loc[0, "reason"] == f"duplicate of {mask_value('maria@y.example', 'email')}"
    assert (
        out.loc[0, "object_name"] == "Contact" and out.loc[0, "field"] == "Phone" and out.loc[0, "count"] == 3
    )
    assert frame.loc[0, "email"] == "joseph@x.example"  # a copy: the caller's frame is untouched


def test_long_frame_names_are_masked_by_the_field_they_hold() -> None:
    frame = pd.DataFrame(
        {"field": ["LastName", "Status"], "source": ["Oliver", "Closed"], "org": ["Olivier", "Closed"]}
    )
    out = mask_frame(frame)
    assert out["source"].tolist() == [mask_value("Oliver", "name"), "Closed"]
    assert out["org"].tolist() == [mask_value("Olivier", "name"), "Closed"]
