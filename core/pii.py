"""``--mask-pii``: names, emails, phone numbers and street addresses replaced by a short stable hash, so a
report can be shared.

The same value always masks to the same token (``email#3fa9c2d1e0``), across reports and runs, so a reviewer
can still see that two rows name the same person or join a CSV to another. Values are normalised first
(emails trimmed and lower-cased, phones reduced to their digits without a leading ``1``, names trimmed and
case-folded), so ``(275) 613-7236`` and ``+1 275 613 7236`` mask alike.

This is pseudonymisation, not anonymisation: without a salt, a phone number's hash can be found by trying
every number. Set ``DP2SF_PII_SALT`` to a secret to make the tokens unguessable (they still join with each
other under the same salt).

Every report goes through :func:`mask_frame` before display and before its CSVs are written: columns whose
name says name/email/phone/street are masked whole; rows of a long frame (a ``field`` column naming the field,
value columns beside it, e.g. the map diff's ``base_value``/``head_value``) are masked by the field they hold;
any other text has emails, phone numbers and street addresses found by pattern, and every name the frame holds
(whole and each of its words), replaced in place.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any

import pandas as pd

KINDS = ("name", "email", "phone", "address")

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# (275) 613-7236 · 833-620-1262 · +1 982 785 7951 · 275.613.7236 · 2756137236 · +12756137236
PHONE_RE = re.compile(
    r"(?<![\w+#])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?![\w])"
    r"|(?<![\w+#])\+?1?[2-9]\d{9}(?!\w)"
)
# 123 Main Street · 4 N. Oak Ave Apt. 5 · 77 Ruth Crossing (Faker's US suffixes and the usual ones)
STREET_RE = re.compile(
    r"\b\d{1,6}[A-Za-z]?(?:\s+[A-Za-z0-9.'-]+){1,5}?\s+(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr"
    r"|Lane|Ln|Way|Court|Ct|Place|Pl|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Trl"
    r"|Crossing|Xing|Loop|Pike|Plaza|Ridge|Run|Path|Point|Pass|Alley|Row|Walk|Junction|Heights|Hills?|Park"
    r"|Gardens?|Grove|Meadows?|Mews|Station|Cove|Creek|Estates?|Falls|Fields?|Glen|Harbor|Hollow|Island"
    r"|Knolls?|Landing|Manor|Mills?|Mount|Orchard|Pines|Port|Prairie|Shores?|Springs?|Summit|Valley|Views?"
    r"|Villages?|Ville|Vista|Wells?|Burgs?|Bypass|Camp|Canyon|Cape|Causeway|Center|Club|Common|Corners?"
    r"|Curve|Dale|Dam|Divide|Expressway|Extension|Ferry|Flats?|Ford|Forest|Forge|Fork|Freeway|Gateway|Haven"
    r"|Inlet|Isle|Keys?|Lake|Lights?|Lodge|Mall|Motorway|Neck|Oval|Overpass|Radial|Ranch|Rapids?|Rest"
    r"|Route|Shoals?|Skyway|Spur|Stravenue|Stream|Streets|Throughway|Trace|Track|Trafficway|Tunnel|Turnpike"
    r"|Underpass|Unions?|Via|Viaduct)\b\.?(?:,?\s+(?:Apt|Suite|Ste|Unit|#)\.?\s*\w+)?",
    re.IGNORECASE,
)
ADDRESS_COLUMNS = frozenset(
    {"address", "address1", "address2", "streetaddress", "line1", "line2", "billingaddress", "mailingaddress",
     "shippingaddress", "otheraddress", "addressline1", "addressline2"}
)  # fmt: skip
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
    {"value", "source", "org", "source_value", "intended_value", "org_value", "input", "before", "after",
     "base_value", "head_value", "base", "head"}
)  # fmt: skip


def _norm_name(column: str) -> str:
    text = str(column).lower()
    text = text.removesuffix("__c")
    return re.sub(r"[^a-z0-9]", "", text)


def pii_kind(column: str) -> str | None:
    """The kind of personal data a column or field of this name holds (``name``/``email``/``phone``/
    ``address``)."""
    key = _norm_name(column)
    if "email" in key:
        return "email"
    if "phone" in key or "mobile" in key or key in ("fax", "homephone"):
        return "phone"
    if key in NAME_COLUMNS:
        return "name"
    if "street" in key or key in ADDRESS_COLUMNS:
        return "address"
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


def mask_text(value: Any, names: Any = None) -> Any:
    """Free text with every email address, phone number and street address in it masked, and every name
    of ``names`` (a compiled pattern from :func:`names_pattern`); other values unchanged."""
    if not isinstance(value, str) or not value:
        return value
    value = EMAIL_RE.sub(lambda m: mask_value(m.group(0), "email"), value)
    value = PHONE_RE.sub(lambda m: mask_value(m.group(0), "phone"), value)
    value = STREET_RE.sub(lambda m: mask_value(m.group(0), "address"), value)
    if names is not None and " " in value.strip():  # free text: a lone word is a code, not a name
        value = names.sub(lambda m: mask_value(m.group(0), "name"), value)
    return value


def names_pattern(names: Any) -> re.Pattern | None:
    """One case-insensitive pattern finding any of ``names`` (whole, and each word of three letters or
    more) as words in text; ``None`` when there is no name."""
    found: set[str] = set()
    for name in names:
        if not isinstance(name, str) or not name.strip():
            continue
        found.add(" ".join(name.split()))
        found.update(w for w in re.findall(r"[^\W\d_][\w'-]{2,}", name))
    if not found:
        return None
    alternatives = "|".join(re.escape(n) for n in sorted(found, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def frame_names(frame: pd.DataFrame, field_col: str | None) -> list[str]:
    names: list[str] = []
    for column in frame.columns:
        if column == field_col:
            continue
        if field_col is not None and str(column).lower() in VALUE_COLUMNS:
            kinds = [pii_kind(f) if isinstance(f, str) else None for f in frame[field_col]]
            names += [v for v, k in zip(frame[column], kinds, strict=True) if k == "name"]
        elif pii_kind(str(column)) == "name":
            names += list(frame[column])
    return names


def _mask_series(series: pd.Series, kind: str | None, names: Any) -> pd.Series:
    if kind is not None:
        return series.map(lambda v: mask_value(v, kind))
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        return series.map(lambda v: mask_text(v, names))
    return series


def mask_frame(frame: pd.DataFrame, names: Any = ()) -> pd.DataFrame:
    """A copy of ``frame`` with names, emails, phone numbers and street addresses masked (see the module
    docstring); ``names``: more names to find in free text besides those the frame holds."""
    out = frame.copy()
    field_col = next((c for c in FIELD_COLUMNS if c in out.columns), None)
    pattern = names_pattern([*frame_names(out, field_col), *names])
    for column in out.columns:
        if column == field_col:
            continue
        if field_col is not None and str(column).lower() in VALUE_COLUMNS:
            kinds = [pii_kind(f) if isinstance(f, str) else None for f in out[field_col]]
            out[column] = [
                mask_value(v, k) if k else mask_text(v, pattern)
                for v, k in zip(out[column], kinds, strict=True)
            ]
            continue
        out[column] = _mask_series(out[column], pii_kind(str(column)), pattern)
    return out


def maybe_mask(frame: pd.DataFrame, mask_pii: bool) -> pd.DataFrame:
    """The one call every report makes before it shows or writes a table."""
    return mask_frame(frame) if mask_pii else frame
