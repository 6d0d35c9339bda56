"""Salesforce record ids: the 18-character checksum, validation, and new ids for the sandbox org."""

from __future__ import annotations

import re
import string

_CHECKSUM_ALPHABET = string.ascii_uppercase + "012345"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
POD = "6A"  # the two "pod" characters after the key prefix (an instance id in a real org)


def compute_id18(id15: str) -> str:
    """Return the 18-character id for a 15-character one (an 18-character id is re-checked and returned)."""
    if not isinstance(id15, str) or len(id15) not in (15, 18) or not id15.isalnum() or not id15.isascii():
        raise ValueError(f"not a Salesforce id (15 or 18 letters and digits): {id15!r}")
    base = id15[:15]
    suffix = ""
    for chunk_start in (0, 5, 10):
        chunk = base[chunk_start : chunk_start + 5]
        bits = sum(1 << j for j, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return base + suffix


def is_valid_id(s: object) -> bool:
    """True for a well-formed 15-character id, or an 18-character id whose checksum suffix is right."""
    if not isinstance(s, str) or not _ID_RE.match(s):
        return False
    return len(s) == 15 or compute_id18(s) == s


def to_id18(s: str) -> str:
    """Normalise a valid 15- or 18-character id to 18 characters; ValueError if it is not a valid id."""
    if not is_valid_id(s):
        raise ValueError(f"invalid Salesforce id: {s!r}")
    return compute_id18(s)


def base62(n: int, width: int) -> str:
    """``n`` in base 62 (0-9A-Za-z), left-padded with zeros to ``width`` characters."""
    if n < 0:
        raise ValueError(f"counter must be >= 0, got {n}")
    digits = []
    while n:
        n, r = divmod(n, 62)
        digits.append(BASE62[r])
    text = "".join(reversed(digits)) or "0"
    if len(text) > width:
        raise ValueError(f"counter too large for {width} base-62 characters")
    return text.rjust(width, "0")


def new_id(key_prefix: str, counter: int) -> str:
    """An 18-character id: 3-char key prefix, 2 pod chars, 10-char base-62 counter, 3-char checksum."""
    if len(key_prefix) != 3 or not key_prefix.isalnum() or not key_prefix.isascii():
        raise ValueError(f"key prefix must be 3 letters/digits, got {key_prefix!r}")
    return compute_id18(key_prefix + POD + base62(counter, 10))


def key_prefix_of(record_id: str) -> str:
    """The 3-character key prefix of an id."""
    return record_id[:3]
