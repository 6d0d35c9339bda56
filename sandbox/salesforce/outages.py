"""Bad-day outages on demand (admin API ``/_admin/outages``), bounded so no test can hang:

- ``restart``: for N seconds (at most 120) every request but ``/_admin`` has its connection reset (``mode:
  "reset"``) or is answered 503 (``mode: "503"``); then the org is back with all its state.
- ``hang``: requests whose path matches a pattern (and method, if given) are held T seconds (at most 120)
  before they are answered, until the hang is cleared (which releases the held requests at once) or its
  ``count`` is spent.
- ``fail``: the next ``count`` requests matching a path pattern (and method) are answered with ``status``
  (500, 502, 503 or 504) instead of being served: a one-shot 503 on a file read-back, say.

The gate is the outermost ASGI layer, so it sees every request first (the OAuth endpoint, REST, Bulk, files,
``/health``); ``/_admin`` always passes, so a test can clear what it set.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.salesforce.deps import error_response, server_transport
from sandbox.salesforce.errors import SFError

MAX_SECONDS = 120.0
FAIL_STATUSES = (500, 502, 503, 504)
FAIL_CODES = {
    500: "UNKNOWN_EXCEPTION",
    502: "SERVER_UNAVAILABLE",
    503: "SERVER_UNAVAILABLE",
    504: "SERVER_UNAVAILABLE",
}


@dataclass
class _Rule:
    """A path pattern (``re.search`` on the request path) and an optional method."""

    pattern: re.Pattern
    method: str | None
    count: int | None  # requests left; None: until cleared

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and bool(self.pattern.search(path))

    def describe(self) -> dict:
        return {"path": self.pattern.pattern, "method": self.method, "count": self.count}


@dataclass
class _Hang(_Rule):
    seconds: float = 0.0
    released: asyncio.Event | None = None
    held: int = 0


@dataclass
class _Fail(_Rule):
    status: int = 503


@dataclass
class _State:
    restart_until: float = 0.0  # time.monotonic()
    restart_mode: str = "reset"
    restarts: int = 0
    hangs: list[_Hang] = field(default_factory=list)
    retired: list[_Hang] = field(default_factory=list)  # count spent; requests may still be held
    fails: list[_Fail] = field(default_factory=list)


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= MAX_SECONDS:
        raise SFError(400, "INVALID_FIELD", f"{name} must be a number in (0, {MAX_SECONDS:.0f}]")
    return float(value)


def _rule_args(spec: Any, what: str) -> tuple[re.Pattern, str | None, int | None]:
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
        raise SFError(400, "INVALID_FIELD", f'{what} needs {{"path": regex, ...}}')
    try:
        pattern = re.compile(spec["path"])
    except re.error as exc:
        raise SFError(400, "INVALID_FIELD", f"{what}.path is not a regular expression: {exc}") from None
    method = spec.get("method")
    if method is not None and not isinstance(method, str):
        raise SFError(400, "INVALID_FIELD", f"{what}.method must be an HTTP method")
    count = spec.get("count")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000
    ):
        raise SFError(400, "INVALID_FIELD", f"{what}.count must be an integer in [1, 10000]")
    return pattern, method.upper() if method else None, count


class Outages:
    """The outage settings and the ASGI gate that applies them."""

    def __init__(self) -> None:
        self._state = _State()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- admin ----------------------------------------------------------------------------------
    def configure(self, body: dict[str, Any]) -> dict:
        """``{restart: {seconds, mode}, hang: {path, seconds, method, count}, fail: {path, status, method,
        count}, clear: true}``; a hang or fail adds a rule, ``clear`` removes all (first)."""
        unknown = set(body) - {"restart", "hang", "fail", "clear"}
        if unknown:
            raise SFError(
                400,
                "INVALID_FIELD",
                f"unknown outage(s): {', '.join(sorted(unknown))}; allowed: clear, fail, hang, restart",
            )
        if body.get("clear"):
            self.clear()
        new_hang = new_fail = None
        restart = None
        if body.get("restart") is not None:
            spec = body["restart"]
            if not isinstance(spec, dict):
                raise SFError(400, "INVALID_FIELD", 'restart needs {"seconds": s, "mode": "reset"|"503"}')
            mode = spec.get("mode", "reset")
            if mode not in ("reset", "503"):
                raise SFError(400, "INVALID_FIELD", 'restart.mode must be "reset" or "503"')
            restart = (_seconds(spec.get("seconds"), "restart.seconds"), mode)
        if body.get("hang") is not None:
            pattern, method, count = _rule_args(body["hang"], "hang")
            seconds = _seconds(body["hang"].get("seconds"), "hang.seconds")
            new_hang = _Hang(pattern, method, count, seconds=seconds)
        if body.get("fail") is not None:
            pattern, method, count = _rule_args(body["fail"], "fail")
            status = body["fail"].get("status", 503)
            if status not in FAIL_STATUSES:
                raise SFError(400, "INVALID_FIELD", f"fail.status must be one of {FAIL_STATUSES}")
            new_fail = _Fail(pattern, method, 1 if count is None else count, status=status)
        with self._lock:
            if restart:
                self._state.restart_until = time.monotonic() + restart[0]
                self._state.restart_mode = restart[1]
                self._state.restarts += 1
            if new_hang:
                self._state.hangs.append(new_hang)
            if new_fail:
                self._state.fails.append(new_fail)
        return self.describe()

    def clear(self) -> None:
        """End every outage; requests held by a hang are released now."""
        with self._lock:
            hangs = self._state.hangs + self._state.retired
            self._state.hangs, self._state.retired = [], []
            self._state.fails = []
            self._state.restart_until = 0.0
        for hang in hangs:
            if hang.released is not None and self._loop is not None:
                self._loop.call_soon_threadsafe(hang.released.set)

    def describe(self) -> dict:
        with self._lock:
            left = max(0.0, self._state.restart_until - time.monotonic())
            return {
                "restart": {"seconds_left": round(left, 3), "mode": self._state.restart_mode}
                if left
                else None,
                "restarts": self._state.restarts,
                "hangs": [{**h.describe(), "seconds": h.seconds, "held": h.held} for h in self._state.hangs],
                "fails": [{**f.describe(), "status": f.status} for f in self._state.fails],
            }

    # -- the gate -------------------------------------------------------------------------------
    def _decide(self, method: str, path: str) -> tuple[str, Any]:
        """What happens to one request: ("pass"|"reset"|"503"|"fail"|"hang", detail)."""
        with self._lock:
            if time.monotonic() < self._state.restart_until:
                return self._state.restart_mode, None
            for fail in self._state.fails:
                if fail.matches(method, path):
                    fail.count -= 1
                    if fail.count <= 0:
                        self._state.fails.remove(fail)
                    return "fail", fail.status
            for hang in self._state.hangs:
                if hang.matches(method, path):
                    if hang.count is not None:
                        hang.count -= 1
                        if hang.count <= 0:
                            self._state.hangs.remove(hang)
                            self._state.retired.append(hang)
                    if hang.released is None:
                        hang.released = asyncio.Event()
                    hang.held += 1
                    return "hang", hang
        return "pass", None

    def wrap(self, app: Any) -> Any:
        """The ASGI application ``app`` behind this gate."""

        async def gate(scope: dict, receive: Any, send: Any) -> None:
            if scope["type"] != "http" or scope["path"].startswith("/_admin"):
                await app(scope, receive, send)
                return
            self._loop = asyncio.get_running_loop()
            action, detail = self._decide(scope.get("method", "GET"), scope["path"])
            if action == "reset":
                transport = server_transport(scope, send)
                if transport is not None:
                    transport.abort()
                    return
                action, detail = "fail", 503
            if action == "503":
                action, detail = "fail", 503
            if action == "fail":
                err = SFError(detail, FAIL_CODES[detail], "Server temporarily unavailable (injected outage)")
                await error_response(err)(scope, receive, send)
                return
            if action == "hang":
                hang: _Hang = detail
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(hang.released.wait(), timeout=hang.seconds)
            await app(scope, receive, send)

        return gate
