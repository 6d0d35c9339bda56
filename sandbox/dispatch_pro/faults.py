"""Faults injected on demand by the admin API: 429 bursts, 500s, slow responses, malformed pages, bodies
cut short (``cut``: the declared ``Content-Length`` is kept and the connection drops half way).

Each rule fires for the next ``count`` API requests whose path contains ``path_contains`` (all API data
requests when it is absent; the token endpoint only when ``path_contains`` names it).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("429", "500", "slow", "malformed", "cut", "expire_tokens")


@dataclass
class Fault:
    kind: str
    count: int = 1
    retry_after: int = 1
    seconds: float = 1.0
    path_contains: str | None = None


def parse_fault(body: Any) -> Fault:
    """A fault rule from an admin request body; ValueError naming the bad field."""
    if not isinstance(body, dict):
        raise ValueError('body must be a JSON object like {"kind": "429", "count": 2}')
    kind = str(body.get("kind", ""))
    if kind not in KINDS:
        raise ValueError(f"'kind' must be one of {', '.join(KINDS)}, got {body.get('kind')!r}")
    unknown = set(body) - {"kind", "count", "retry_after", "seconds", "path_contains"}
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))} in fault body")
    try:
        fault = Fault(
            kind=kind,
            count=int(body.get("count", 1)),
            retry_after=int(body.get("retry_after", 1)),
            seconds=float(body.get("seconds", 1.0)),
            path_contains=str(body["path_contains"]) if body.get("path_contains") else None,
        )
    except (TypeError, ValueError):
        raise ValueError("'count' and 'retry_after' must be integers, 'seconds' a number") from None
    if fault.count < 1 or fault.retry_after < 0 or not 0 <= fault.seconds <= 120:
        raise ValueError("'count' must be >= 1, 'retry_after' >= 0 and 'seconds' within 0..120")
    return fault


class FaultBook:
    """Active fault rules; ``take`` consumes one firing of the first rule that matches a path."""

    def __init__(self) -> None:
        self._rules: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._rules.append(fault)

    def clear(self) -> int:
        with self._lock:
            n = len(self._rules)
            self._rules = []
        return n

    def listing(self) -> list[dict[str, Any]]:
        return [asdict(f) for f in self._rules]

    def take(self, path: str, kinds: tuple[str, ...], token_endpoint: bool = False) -> Fault | None:
        if not self._rules:
            return None
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds:
                    continue
                if rule.path_contains is None and token_endpoint:
                    continue
                if rule.path_contains is not None and rule.path_contains not in path:
                    continue
                rule.count -= 1
                if rule.count <= 0:
                    self._rules.remove(rule)
                return rule
        return None
