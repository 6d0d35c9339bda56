"""Duplicate rules: an admin call defines one (object, matching fields, exact or fuzzy-lite matching, Block or
Allow with an alert); a save whose record matches an existing one is refused with ``DUPLICATES_DETECTED`` and
the rule's alert text, carrying Salesforce's ``duplicateResult`` in REST and composite bodies.

Matching (the sandbox's approximation of Salesforce's ExactMatchEngine / FuzzyMatchEngine): every matching
field must be non-blank on both records (blank fields never match); exact compares trimmed, case-folded
text; fuzzy-lite also drops punctuation and repeated spaces, company suffixes (Inc, Corp, LLC, Ltd, ...),
and compares phone numbers by their last ten digits. A record is compared with saved records only, not with
other records of the same call ("records within the same save aren't compared to each other"), and an update
runs a rule only when it changes one of the rule's fields.

Allow-with-alert rules: a REST save is refused unless ``Sforce-Duplicate-Rule-Header: allowSave=true``
(the header's fields default to false); Bulk API 2.0 documents no such header and the save goes through.
"""

from __future__ import annotations

import contextvars
import re
from typing import TYPE_CHECKING, Any

from sandbox.salesforce import automation
from sandbox.salesforce.errors import RecordError
from sandbox.salesforce.store import q
from sandbox.salesforce.values import now_iso

if TYPE_CHECKING:
    from sandbox.salesforce.org import Org

DEFAULT_ALERT = "Use one of these records?"
COMPANY_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "ltd", "limited", "plc", "gmbh",
}  # fmt: skip
_PUNCT = re.compile(r"[^\w\s@]")
_SPACES = re.compile(r"\s+")

# what the current REST request says about duplicate rules (None: not a REST request, e.g. a Bulk job)
REQUEST_ALLOW_SAVE: contextvars.ContextVar[bool | None] = contextvars.ContextVar("allow_save", default=None)


class HeaderContext:
    """ASGI middleware: a REST request's ``Sforce-Duplicate-Rule-Header`` (``allowSave=true``) for the
    duplicate check, which runs deeper in the same request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith("/api/") or path.startswith("/api/jobs"):
            await self.app(scope, receive, send)
            return
        raw = dict(scope.get("headers") or []).get(b"sforce-duplicate-rule-header", b"").decode("latin-1")
        options = {
            k.strip().lower(): v.strip().lower() for k, _, v in (p.partition("=") for p in raw.split(";"))
        }
        token = REQUEST_ALLOW_SAVE.set(options.get("allowsave") == "true")
        try:
            await self.app(scope, receive, send)
        finally:
            REQUEST_ALLOW_SAVE.reset(token)


def define(org: Org, body: dict) -> dict:
    """``{object, developer_name, label, fields: [...], match: exact|fuzzy, action: block|allow, alert,
    alert_text, active}`` → the stored definition (with its DuplicateRule and MatchingRule ids)."""
    obj = automation.object_of(org, body.get("object"))
    dev = str(body.get("developer_name") or "")
    fields = [str(f) for f in body.get("fields") or []]
    resolved = [obj.field(f) for f in fields]
    if not dev or not fields or any(f is None for f in resolved):
        raise automation.bad(f"a duplicate rule needs a developer_name and fields of {obj.name}: {fields}")
    match = str(body.get("match", "exact")).lower()
    action = str(body.get("action", "block")).lower()
    if match not in {"exact", "fuzzy"} or action not in {"block", "allow"}:
        raise automation.bad("match must be exact|fuzzy and action block|allow")
    definition = {
        "id": automation.new_id(org, "0Bm"),
        "matching_rule_id": automation.new_id(org, "0JD"),
        "item_ids": [automation.new_id(org, "0JE") for _ in fields],
        "object": obj.name,
        "developer_name": dev,
        "matching_rule": f"{dev}_Matching_Rule",
        "label": str(body.get("label") or dev.replace("_", " ")),
        "fields": [f.name for f in resolved if f is not None],
        "match": match,
        "action": action,
        "alert": bool(body.get("alert", True)),
        "alert_text": str(body.get("alert_text") or DEFAULT_ALERT),
        "active": bool(body.get("active", True)),
        "created": now_iso(),
    }
    return automation.upsert(org, "duplicate_rules", definition, lambda d: d["developer_name"].lower())


def normalize(value: Any, ftype: str, fuzzy: bool) -> str | None:
    """The value a matching rule compares (None: blank, never matches)."""
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value).strip().casefold())
    if not text:
        return None
    if not fuzzy:
        return text
    if ftype == "phone":
        digits = re.sub(r"\D", "", text)
        return digits[-10:] or None
    if ftype == "email":
        return text
    words = [w for w in _SPACES.split(_PUNCT.sub(" ", text).strip()) if w]
    while len(words) > 1 and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    return " ".join(words) or None


def _key(rule: dict, obj: Any, values: dict[str, Any]) -> tuple | None:
    fuzzy = rule["match"] == "fuzzy"
    parts = []
    for name in rule["fields"]:
        f = obj.field(name)
        norm = normalize(values.get(name), f.type if f else "string", fuzzy)
        if norm is None:
            return None
        parts.append(norm)
    return tuple(parts)


def _index(writer: Any, rule: dict) -> dict[tuple, list[str]]:
    """Saved records of the object by their matching key."""
    cols = ", ".join(q(f) for f in rule["fields"])
    index: dict[tuple, list[str]] = {}
    for row in writer.org.store.execute(f"SELECT Id, {cols} FROM {q(writer.table)} WHERE IsDeleted = 0"):
        key = _key(rule, writer.obj, dict(zip(rule["fields"], row[1:], strict=True)))
        if key is not None:
            index.setdefault(key, []).append(row[0])
    return index


def _result(rule: dict, obj: Any, ids: list[str], allow_save: bool) -> dict:
    """Salesforce's DuplicateResult (DuplicateError.duplicateResult) for the matched records."""
    return {
        "allowSave": allow_save,
        "duplicateRule": rule["developer_name"],
        "duplicateRuleEntityType": obj.name,
        "errorMessage": rule["alert_text"],
        "matchResults": [
            {
                "entityType": obj.name,
                "errors": [],
                "matchEngine": "FuzzyMatchEngine" if rule["match"] == "fuzzy" else "ExactMatchEngine",
                "matchRecords": [
                    {
                        "additionalInformation": [],
                        "fieldDiffs": [],
                        "matchConfidence": 100.0,
                        "record": {
                            "attributes": {
                                "type": obj.name,
                                "url": f"/services/data/v62.0/sobjects/{obj.name}/{i}",
                            },
                            "Id": i,
                        },
                    }
                    for i in ids
                ],
                "rule": rule["matching_rule"],
                "size": len(ids),
                "success": True,
            }
        ],
    }


def check_rows(writer: Any, rows: list[Any], existing: dict[str, dict] | None) -> None:
    """Refuse rows that match a saved record under an active rule of the object (``existing``: the
    records' saved values on update, so a partial update is matched as the record will be)."""
    rules = [d for d in automation.of_kind(writer.org, "duplicate_rules", writer.obj.name) if d["active"]]
    if not rules:
        return
    allow_header = REQUEST_ALLOW_SAVE.get()
    for rule in rules:
        if rule["action"] == "allow" and (not rule["alert"] or allow_header is None or allow_header):
            continue  # allowed: no alert, a Bulk job, or the REST caller acknowledged the alert
        index = _index(writer, rule)
        for r in rows:
            if r.result.error:
                continue
            own = r.result.id or r.values.get("Id")
            before = (existing or {}).get(own or "", {}) if existing is not None else {}
            if existing is not None and not any(
                f in r.values and r.values[f] != before.get(f) for f in rule["fields"]
            ):
                continue  # an edit runs the rule only when it changes a matched field
            key = _key(rule, writer.obj, {**before, **r.values})
            matches = [i for i in index.get(key, []) if i != own] if key is not None else []
            if matches:
                r.result.error = RecordError(
                    "DUPLICATES_DETECTED",
                    rule["alert_text"],
                    [],
                    extra={"duplicateResult": _result(rule, writer.obj, matches, rule["action"] == "allow")},
                )
