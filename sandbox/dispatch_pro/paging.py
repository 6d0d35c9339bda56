"""Export paging (``from`` / ``continueFrom``, ordered by (modifiedOn, id)) and list paging (page/pageSize).

Export positions are index ranges: base records are strictly increasing in modifiedOn, so ``from`` is a
binary search; records touched by the admin overlay are skipped in the base range and served after it,
in modification order. ``continueFrom`` encodes the (modifiedOn ticks, id) of the last record served.
"""

from __future__ import annotations

import base64
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from .cache import RecordCache, usable
from .dataset import Dataset
from .entities import Entity
from .records import rid
from .timefmt import parse

TOKEN_PREFIX = "cf1."
MAX_ID = 1 << 62


class BadRequest(ValueError):
    """A query parameter is invalid; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def encode_token(ticks: int, record_id: int) -> str:
    raw = f"{ticks}:{record_id}".encode()
    return TOKEN_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_from(value: str) -> tuple[int, int]:
    """The (ticks, id) key *before* the first record to serve, from a ``from`` date or continueFrom token."""
    value = value.strip()
    if value.startswith(TOKEN_PREFIX):
        body = value[len(TOKEN_PREFIX) :]
        try:
            ticks, record_id = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode().split(":")
            return int(ticks), int(record_id)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("from", f"invalid continueFrom token {value!r}") from None
    try:
        return parse(value) - 1, MAX_ID
    except ValueError as exc:
        raise BadRequest(
            "from", f"'from' must be a date, a UTC date-time or a continueFrom token: {exc}"
        ) from None


@dataclass
class ExportPage:
    data: list[dict[str, Any]]
    has_more: bool
    continue_from: str


def export_window(
    ds: Dataset, ent: Entity, from_value: str | None, page_size: int
) -> tuple[list[int], bool, str]:
    """(record indexes of the page, hasMore, continueFrom) for an export request."""
    code = ent.code
    after = decode_from(from_value) if from_value else (-1, -1)
    n = ent.base(ds)
    rows = ds.overlay.state.get(code, {}) if ds.overlay else {}

    def key(i: int) -> tuple[int, int]:
        return ds.modified(code, i) if i in rows else ds.base_ticks(code, i), rid(code, i)

    # first base index strictly after ``after`` (base keys are strictly increasing in index)
    start = bisect_right(range(n), after, key=lambda i: (ds.base_ticks(code, i), rid(code, i)))
    picked: list[int] = []
    i = start
    if not rows:
        picked = list(range(start, min(start + page_size + 1, n)))
    while rows and len(picked) <= page_size and i < n:
        if i not in rows:
            picked.append(i)
        i += 1
    if len(picked) <= page_size and rows:
        tail = ds.overlay.tail(code) if ds.overlay else []
        keys = [(t, rid(code, idx)) for t, idx in tail]
        for pos in range(bisect_right(keys, after), len(tail)):
            picked.append(tail[pos][1])
            if len(picked) > page_size:
                break
    has_more = len(picked) > page_size
    picked = picked[:page_size]
    last = key(picked[-1]) if picked else after
    if last[0] < 0:
        last = (0, 0)
    return picked, has_more, encode_token(*last)


def export_page(ds: Dataset, ent: Entity, from_value: str | None, page_size: int) -> ExportPage:
    """One page of an export endpoint as dicts, starting after the ``from`` key."""
    picked, has_more, token = export_window(ds, ent, from_value, page_size)
    get = ent.getter(ds)
    return ExportPage(data=[get(i) for i in picked], has_more=has_more, continue_from=token)


def export_body(
    ds: Dataset, ent: Entity, from_value: str | None, page_size: int, cache: RecordCache | None = None
) -> bytes:
    """The JSON body of one export page; base records come from the disk cache when it has them.

    Byte-identical to ``orjson.dumps({"hasMore", "continueFrom", "data"})`` of :func:`export_page`.
    """
    picked, has_more, token = export_window(ds, ent, from_value, page_size)
    get = ent.getter(ds)
    n_base = ent.base(ds)
    use_cache = cache is not None and usable(ds, ent)
    parts = []
    for i in picked:
        blob = cache.get(ent.key, i) if use_cache and i < n_base else None  # type: ignore[union-attr]
        parts.append(blob if blob is not None else orjson.dumps(get(i)))
    head = b'{"hasMore":' + (b"true" if has_more else b"false") + b',"continueFrom":' + orjson.dumps(token)
    return head + b',"data":[' + b",".join(parts) + b"]}"


# ------------------------------------------------------------------------------------------------------------
# list endpoints
# ------------------------------------------------------------------------------------------------------------
@dataclass
class ListQuery:
    page: int = 1
    page_size: int = 50
    include_total: bool = False
    ids: set[int] | None = None
    modified_on_or_after: int | None = None
    created_on_or_after: int | None = None
    active: str = "True"
    sort: str | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.ids or self.modified_on_or_after or self.created_on_or_after or self.sort)


def _int(params: dict[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(name, f"'{name}' must be an integer, got {raw!r}") from None
    if not lo <= value <= hi:
        raise BadRequest(name, f"'{name}' must be between {lo} and {hi}, got {value}")
    return value


def _bool(params: dict[str, str], name: str) -> bool:
    raw = params.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0", ""):
        raise BadRequest(name, f"'{name}' must be true or false, got {params[name]!r}")
    return raw in ("true", "1")


def _time(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError as exc:
        raise BadRequest(name, f"'{name}': {exc}") from None


def parse_list_query(params: dict[str, str]) -> ListQuery:
    """Check page, pageSize (1-5000), includeTotal, ids (<= 50), modified/createdOnOrAfter, active, sort."""
    q = ListQuery(
        page=_int(params, "page", 1, 1, 10_000_000),
        page_size=_int(params, "pageSize", 50, 1, 5000),
        include_total=_bool(params, "includeTotal"),
        modified_on_or_after=_time(params, "modifiedOnOrAfter"),
        created_on_or_after=_time(params, "createdOnOrAfter"),
    )
    if params.get("ids"):
        try:
            ids = {int(x) for x in params["ids"].split(",") if x.strip()}
        except ValueError:
            raise BadRequest(
                "ids", f"'ids' must be comma-separated integers, got {params['ids']!r}"
            ) from None
        if len(ids) > 50:
            raise BadRequest("ids", f"'ids' accepts at most 50 ids, got {len(ids)}")
        q.ids = ids
    active = params.get("active", "True").strip().capitalize()
    if active not in ("True", "False", "Any"):
        raise BadRequest("active", f"'active' must be True, False or Any, got {params['active']!r}")
    q.active = active
    sort = params.get("sort")
    if sort:
        field = sort.strip().lstrip("+-").lower()
        if field not in ("id", "modifiedon", "createdon"):
            raise BadRequest("sort", f"'sort' must be [+|-]Id, ModifiedOn or CreatedOn, got {sort!r}")
        q.sort = sort.strip()
    return q


def _matches(row: dict[str, Any], q: ListQuery, all_active: bool) -> bool:
    if q.ids is not None and row.get("id") not in q.ids:
        return False
    if q.active != "Any" and not all_active and bool(row.get("active", True)) != (q.active == "True"):
        return False
    if q.active == "False" and all_active:
        return False
    if q.modified_on_or_after is not None:
        stamp = row.get("modifiedOn") or row.get("submittedOn")
        if stamp is None or parse(stamp) < q.modified_on_or_after:
            return False
    if q.created_on_or_after is not None:
        stamp = row.get("createdOn") or row.get("submittedOn")
        if stamp is None or parse(stamp) < q.created_on_or_after:
            return False
    return True


def list_page(
    total: int, get: Callable[[int], dict[str, Any]], q: ListQuery, all_active: bool
) -> dict[str, Any]:
    """One page of a list endpoint over records ``get(0..total-1)``."""
    start = (q.page - 1) * q.page_size
    if not q.filtered and (all_active or q.active == "Any"):
        data = [get(i) for i in range(start, min(start + q.page_size, total))]
        count, has_more = total, start + q.page_size < total
    else:
        rows = [row for row in (get(i) for i in range(total)) if _matches(row, q, all_active)]
        if q.sort:
            field = {"id": "id", "modifiedon": "modifiedOn", "createdon": "createdOn"}[
                q.sort.lstrip("+-").lower()
            ]
            rows.sort(
                key=lambda row: row.get(field) or row.get("submittedOn") or "", reverse=q.sort.startswith("-")
            )
        data = rows[start : start + q.page_size]
        count, has_more = len(rows), start + q.page_size < len(rows)
    return {
        "page": q.page,
        "pageSize": q.page_size,
        "hasMore": has_more,
        "totalCount": count if q.include_total else None,
        "data": data,
    }


__all__ = ["BadRequest", "ExportPage", "ListQuery", "export_page", "list_page", "parse_list_query"]
