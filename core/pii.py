"""``--mask-pii``: names, emails and phone numbers replaced by a short stable hash, so a report can be shared.

The same value always masks to the same token (``email#3fa9c2d1e0``), across reports and runs, so a reviewer
can still see that two rows name the same person or join a CSV to another. Values are normalised first
(emails trimmed and lower-cased, phones reduced to their digits without a leading ``1``, names trimmed and
case-folded), so ``(275) 613-7236`` and ``+1 275 613 7236`` mask alike.

This is pseudonymisation, not anonymisation: without a salt, a phone number's hash can be found by trying
every number. Set ``DP2SF_PII_SALT`` to a secret to make the tokens unguessable (they still join with each
other under the same salt).

Every report goes through :func:`mask_frame` before display and before its CSVs are written: columns whose
name says name/email/phone are masked whole; rows of a long frame (a ``field`` column naming the field, value
columns beside it) are masked by the field they hold; any other text has emails and phone numbers found by
pattern replaced in place.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import pandas as pd

KINDS = ("name", "email", "phone")

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# (275) 613-7236 · 833-620-1262 · +1 982 785 7951 · 275.613.7236 · 2756137236 · +12756137236
PHONE_RE = re.compile(
    r"(?<![\w+#])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w])"
    r"|(?<![\w+#])\+?1?[2-9]\d{9}(?!\w)"
)
# column / field names (lower-case, letters and digits only, a ``__c`` suffix dropped) holding a person's name
NAME_COLUMNS = frozenset(
    {
        "name", "firstname", "lastname", "middlename", "fullname", "keepname", "mergename", "technician",
        "technicianname", "customername", "contactname", "signername", "signer", "signedby", "agentname",
        "createdbyname", "ownername", "username", "loginname", "suppliedname", "actorname", "changedby",
        "modifiedbyname", "personname",
    }
)  # fmt: skip
FIELD_COLUMNS = ("field", "field_name", "column_name")
VALUE_COLUMNS = frozenset(
    {"value", "source", "org", "source_value", "intended_value", "org_value", "input", "before", "after"}
)


def _norm_name(column: str) -> str:
    text = str(column).lower()
    text = text.removesuffix("__c")
    return re.sub(r"[^a-z0-9]", "", text)


def pii_kind(column: str) -> str | None:
    """The kind of personal data a column or field of this name holds (``name``/``email``/``phone``)."""
    key = _norm_name(column)
    if "email" in key:
        return "email"
    if "phone" in key or "mobile" in key or key in ("fax", "homephone"):
        return "phone"
    if key in NAME_COLUMNS:
        return "name"
    return None


def _normalise(value: str, kind: str) -> str:
    text = value.strip()
    if kind == "email":
        return text.lower()
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits
    return " ".join(text.casefold().split())


def mask_value(value: Any, kind: str) -> Any:
    """``value`` as ``<kind>#<10 hex>`` (None, NaN and empty text stay as they are)."""
    if kind not in KINDS:
        raise ValueError(f"unknown PII kind {kind!r}: one of {', '.join(KINDS)}")
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return value
    text = str(value)
    if not text.strip():
        return value
    salt = os.environ.get("DP2SF_PII_SALT", "")
    digest = hashlib.sha256(f"{salt}{kind}:{_normalise(text, kind)}".encode()).hexdigest()
    return f"{kind}#{digest[:10]}"


def mask_text(value: Any) -> Any:
    """Free text with every email address and phone number in it masked; other values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    value = EMAIL_RE.sub(lambda m: mask_value(m.group(0), "email"), value)
    return PHONE_RE.sub(lambda m: mask_value(m.group(0), "phone"), value)


def _mask_series(series: pd.Series, kind: str | None) -> pd.Series:
    if kind is not None:
        return series.map(lambda v: mask_value(v, kind))
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        return series.map(mask_text)
    return series


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with names, emails and phone numbers masked (see the module docstring)."""
    out = frame.copy()
    field_col = next((c for c in FIELD_COLUMNS if c in out.columns), None)
    for column in out.columns:
        if column == field_col:
            continue
        if field_col is not None and str(column).lower() in VALUE_COLUMNS:
            kinds = [pii_kind(f) if isinstance(f, str) else None for f in out[field_col]]
            out[column] = [
                mask_value(v, k) if k else mask_text(v) for v, k in zip(out[column], kinds, strict=True)
            ]
            continue
        out[column] = _mask_series(out[column], pii_kind(str(column)))
    return out


def maybe_mask(frame: pd.DataFrame, mask_pii: bool) -> pd.DataFrame:
    """The one call every report makes before it shows or writes a table."""
    return mask_frame(frame) if mask_pii else frame
