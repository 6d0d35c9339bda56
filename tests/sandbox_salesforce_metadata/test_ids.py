"""Salesforce ids: checksum, validation, new ids."""

from __future__ import annotations

import pytest

from sandbox.salesforce.metadata import compute_id18, is_valid_id, new_id, to_id18


def test_reference_checksum():
    assert compute_id18("0036000000QKv5T") == "0036000000QKv5TAAT"
    assert compute_id18("0036000000QKv5TAAT") == "0036000000QKv5TAAT"
    assert compute_id18("001000000000000") == "001000000000000AAA"
    assert compute_id18("ZZZZZZZZZZZZZZZ") == "ZZZZZZZZZZZZZZZ555"


@pytest.mark.parametrize("bad", ["", "abc", "0036000000QKv5T!", "0036000000QKv5TA", None, 12])
def test_compute_rejects_non_ids(bad):
    with pytest.raises(ValueError, match="not a Salesforce id"):
        compute_id18(bad)


def test_is_valid_id():
    assert is_valid_id("0036000000QKv5T") and is_valid_id("0036000000QKv5TAAT")
    assert not is_valid_id("0036000000QKv5TAAA")  # wrong checksum
    assert not is_valid_id("0036000000qkv5tAAT")  # case matters
    assert (
        not is_valid_id("0036000000QKv5") and not is_valid_id(None) and not is_valid_id("0036000000QKv5T-AT")
    )
    assert to_id18("0036000000QKv5T") == "0036000000QKv5TAAT"
    with pytest.raises(ValueError, match="invalid Salesforce id"):
        to_id18("nope")


def test_new_id():
    ids = [new_id("001", n) for n in range(5000)]
    assert len(set(ids)) == 5000
    assert all(len(i) == 18 and i.startswith("001") and is_valid_id(i) for i in ids)
    assert new_id("a00", 0) == compute_id18("a006A0000000000")
    assert new_id("500", 61)[5:15] == "000000000z" and new_id("500", 62)[5:15] == "0000000010"
    with pytest.raises(ValueError, match="key prefix"):
        new_id("0001", 1)
    with pytest.raises(ValueError, match=">= 0"):
        new_id("001", -1)
