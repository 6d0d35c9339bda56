"""Field values: per-field checkers compiled once (JSON or CSV input → stored value) and output conversion."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import orjson

from sandbox.salesforce.errors import RecordError

Checker = Callable[[Any], Any]

TEXT_TYPES = {
    "string",
    "textarea",
    "email",
    "phone",
    "url",
    "combobox",
    "encryptedstring",
    "picklist",
    "multipicklist",
    "id",
    "reference",
    "time",
}
INT_TYPES = {"boolean", "int"}
REAL_TYPES = {"double", "currency", "percent"}
NO_COLUMN_TYPES = {"address", "location", "base64"}
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS = {"true", "1", "yes"}
FALSE_WORDS = {"false", "0", "no"}


# The org's clock: ours plus an offset an admin call sets (``POST /_admin/clock``), so tests see an org whose
# clock differs from the client's, as a real org's may differ from a consultant's laptop.
_CLOCK = {"offset": 0.0}


def set_clock_offset(seconds: float) -> None:
    _CLOCK["offset"] = float(seconds)


def clock_offset() -> float:
    return _CLOCK["offset"]


def org_now() -> dt.datetime:
    """The org's current time (UTC)."""
    return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=_CLOCK["offset"])


def now_iso() -> str:
    """The org's current UTC time as Salesforce writes datetimes: ``2024-01-15T10:30:00.000+0000``."""
    return format_datetime(org_now())


def format_datetime(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> str | None:
    """Normalise an ISO-8601 datetime (``Z``, ``+0000``, ``+00:00``, date only) to the stored form."""
    text = text.strip()
    if DATE_RE.match(text):
        text += "T00:00:00Z"
    fixed = text.replace("Z", "+00:00").replace("z", "+00:00")
    if re.search(r"[+-]\d{4}$", fixed):
        fixed = fixed[:-2] + ":" + fixed[-2:]
    try:
        value = dt.datetime.fromisoformat(fixed)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_datetime(value)


def sql_type(ftype: str) -> str | None:
    """The SQLite column declaration for a describe type (None: compound fields get no column)."""
    if ftype in NO_COLUMN_TYPES:
        return None
    if ftype in INT_TYPES:
        return "INTEGER"
    if ftype in REAL_TYPES:
        return "REAL"
    if ftype in {"id", "reference"}:
        return "TEXT"
    return "TEXT COLLATE NOCASE"


def _type_error(name: str, raw: Any) -> RecordError:
    return RecordError(
        "INVALID_TYPE_ON_FIELD_IN_RECORD", f"{name}: value not of required type: {raw}", [name]
    )


def make_checker(f: Any, csv_mode: bool) -> Checker:
    """A function turning one raw input value of field ``f`` into its stored value (raises RecordError)."""
    name, ftype = f.name, f.type
    length = f.length or 0

    if ftype == "boolean":

        def check_bool(raw: Any) -> int:
            if isinstance(raw, bool):
                return int(raw)
            word = str(raw).strip().lower()
            if word in TRUE_WORDS:
                return 1
            if word in FALSE_WORDS:
                return 0
            raise _type_error(name, raw)

        return check_bool

    if ftype in {"int", "double", "currency", "percent"}:
        integral = ftype == "int"
        max_int_digits = (f.precision - f.scale) if f.precision else (f.digits or 18)

        def check_number(raw: Any) -> float | int:
            if isinstance(raw, bool):
                raise _type_error(name, raw)
            try:
                value = float(raw) if not isinstance(raw, int | float) else raw
            except (TypeError, ValueError):
                raise _type_error(name, raw) from None
            if value != value or value in (float("inf"), float("-inf")):
                raise _type_error(name, raw)
            if integral:
                if float(value) != int(value):
                    raise _type_error(name, raw)
                value = int(value)
            if max_int_digits and abs(value) >= 10**max_int_digits:
                raise RecordError(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    f"{name}: value outside of valid range on numeric field: {raw}",
                    [name],
                )
            return value

        return check_number

    if ftype == "date":

        def check_date(raw: Any) -> str:
            text = str(raw).strip()
            if len(text) > 10 and DATE_RE.match(text[:10]):
                text = text[:10]
            try:
                dt.date.fromisoformat(text)
            except ValueError:
                raise _type_error(name, raw) from None
            if not DATE_RE.match(text):
                raise _type_error(name, raw)
            return text

        return check_date

    if ftype == "datetime":

        def check_datetime(raw: Any) -> str:
            value = parse_datetime(str(raw))
            if value is None:
                raise _type_error(name, raw)
            return value

        return check_datetime

    picklist = {p.value.lower(): p.value for p in (f.picklist_values or []) if getattr(p, "active", True)}
    restricted = bool(f.restricted_picklist) and ftype in {"picklist", "multipicklist"}
    is_email = ftype == "email"

    if not restricted and not is_email:

        def check_plain(raw: Any) -> str | None:
            value = raw if type(raw) is str else str(raw).lower() if isinstance(raw, bool) else str(raw)
            if not value:
                return None
            if length and len(value) > length:
                raise RecordError(
                    "STRING_TOO_LONG",
                    f"{name}: data value too large: {value[:40]} (max length={length})",
                    [name],
                )
            return value

        return check_plain

    def check_text(raw: Any) -> str | None:
        value = raw if isinstance(raw, str) else str(raw).lower() if isinstance(raw, bool) else str(raw)
        if value == "":
            return None
        if length and len(value) > length:
            raise RecordError(
                "STRING_TOO_LONG", f"{name}: data value too large: {value[:40]} (max length={length})", [name]
            )
        if restricted:
            parts = value.split(";") if ftype == "multipicklist" else [value]
            canonical = []
            for part in parts:
                match = picklist.get(part.lower())
                if match is None:
                    raise RecordError(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{name}: bad value for restricted picklist field: {part}",
                        [name],
                    )
                canonical.append(match)
            value = ";".join(canonical)
        if is_email and not EMAIL_RE.match(value):
            raise RecordError("INVALID_EMAIL_ADDRESS", f"{name}: invalid email address: {value}", [name])
        return value

    return check_text


def to_json_value(ftype: str, value: Any) -> Any:
    """A stored value as the REST API returns it."""
    if value is None:
        return None
    if ftype == "boolean":
        return bool(value)
    if ftype == "int":
        return int(value)
    if ftype in REAL_TYPES:
        return float(value)
    if ftype in ("address", "location") and isinstance(value, str):
        return orjson.loads(value)  # the compound value, built as JSON text by SQL (compound.py)
    return value


def to_csv_value(ftype: str, value: Any) -> str:
    """A stored value as Bulk API 2.0 query results write it."""
    if value is None:
        return ""
    if ftype == "boolean":
        return "true" if value else "false"
    if ftype == "datetime" and isinstance(value, str) and value.endswith("+0000"):
        return value[:-5] + "Z"
    if isinstance(value, float) and value.is_integer() and ftype == "int":
        return str(int(value))
    return str(value)
