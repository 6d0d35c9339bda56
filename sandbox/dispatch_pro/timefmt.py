"""Timestamps as integer ticks (100 ns since the Unix epoch) and ServiceTitan's text form.

ServiceTitan writes UTC with seven fractional digits and ``Z`` (``2021-07-19T20:35:38.2876004Z``).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

TICKS_PER_SECOND = 10_000_000
TICKS_PER_DAY = 86_400 * TICKS_PER_SECOND
_PATTERN = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?(Z|[+-]00:?00)?$"
)


_DAYS: dict[int, str] = {}


_FMT_CACHE: dict[int, str] = {}


def fmt(ticks: int) -> str:
    """``2021-07-19T20:35:38.2876004Z`` for the given ticks (cached: this is a hot path)."""
    text = _FMT_CACHE.get(ticks)
    if text is None:
        if len(_FMT_CACHE) > 200_000:
            _FMT_CACHE.clear()
        text = _FMT_CACHE[ticks] = _fmt(ticks)
    return text


def _fmt(ticks: int) -> str:
    seconds, frac = divmod(ticks, TICKS_PER_SECOND)
    day, sec = divmod(seconds, 86_400)
    day_text = _DAYS.get(day)
    if day_text is None:
        day_text = _DAYS[day] = time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))
    hours, rest = divmod(sec, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{day_text}T{hours:02d}:{minutes:02d}:{secs:02d}.{frac:07d}Z"


def ticks_of(dt: datetime) -> int:
    """Ticks of an aware (or UTC-naive) datetime."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * TICKS_PER_SECOND + delta.microseconds * 10


def parse(text: str) -> int:
    """Ticks of a date or UTC date-time string; raises ``ValueError`` with the offending text."""
    match = _PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"not a date or UTC date-time: {text!r}")
    year, month, day, hour, minute, second, frac, _tz = match.groups()
    try:
        dt = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError as exc:
        raise ValueError(f"not a valid date: {text!r} ({exc})") from None
    extra = int((frac or "0").ljust(7, "0"))
    return ticks_of(dt) + extra


def now_ticks() -> int:
    """The current time in ticks."""
    return time.time_ns() // 100
