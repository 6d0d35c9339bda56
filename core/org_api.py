"""The org as the loader sees it: simple-salesforce plus retries (tenacity), API-usage tracking and a stop
line.

Every response's ``Sforce-Limit-Info: api-usage=N/M`` is read by a session hook, and ``/limits`` before and
during the run; when DailyApiRequests or DailyBulkApiBatches reach the configured share the run stops cleanly
(:class:`LimitStop`) so it can resume later. 403 ``REQUEST_LIMIT_EXCEEDED``, 5xx and dropped connections are
retried with exponential backoff a bounded number of times. See
https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet (API request limits).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import requests
from simple_salesforce import Salesforce
from simple_salesforce.bulk2 import _Bulk2Client
from simple_salesforce.exceptions import SalesforceError
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from core.errors import Dp2sfError

USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
CONNECT_TIMEOUT = 10.0  # seconds to open a connection
READ_TIMEOUT = 120.0  # seconds to wait for an answer (a file upload sends while it waits)
TRANSIENT_CODES = {"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"}
# a clock difference below this is read as none: the HTTP ``Date`` header has one-second resolution, so the
# estimate of an org in step with us lies in (-1 s - latency, 0]
CLOCK_SKEW_FLOOR = 2.0


class LimitStop(Dp2sfError):
    """The org's allowance reached the configured share: stop cleanly, resume later."""


def error_code(exc: BaseException) -> str:
    """The Salesforce errorCode of a simple-salesforce exception ('' when there is none)."""
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return str(content[0].get("errorCode", ""))
    if isinstance(content, dict):
        return str(content.get("errorCode", ""))
    return ""


def is_transient(exc: BaseException) -> bool:
    """5xx (simple-salesforce's errors and requests' ``HTTPError``), a refused request for a (concurrent or
    momentary) limit, a dropped connection or a timeout."""
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return exc.response.status_code >= 500
    if isinstance(exc, SalesforceError):
        status = getattr(exc, "status", 0) or 0
        return status >= 500 or error_code(exc) in TRANSIENT_CODES
    return False


def with_timeout(session: requests.Session, timeout: tuple[float, float]) -> None:
    """Give every request of ``session`` a (connect, read) timeout unless the call names one: requests
    waits forever by default, and simple-salesforce passes none, so a hung org would hang the load
    (https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)."""
    if getattr(session, "_dp2sf_timeout", None) is not None:
        session._dp2sf_timeout = timeout
        return
    plain = session.request

    def request(method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = session._dp2sf_timeout
        return plain(method, url, **kwargs)

    session._dp2sf_timeout = timeout
    session.request = request


@dataclass
class Usage:
    """API calls this process made, and the org's last reported usage."""

    calls: int = 0
    api_used: int = 0
    api_max: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    # the org's clock minus ours, in seconds, as every response's ``Date`` header shows it: the largest sample
    # (a header is the server's time truncated to the second, read after the network's delay, so each sample
    # is at most the true difference and the largest is the closest)
    clock_sample: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def share(self) -> float:
        return self.api_used / self.api_max if self.api_max else 0.0

    def clock_skew(self) -> float:
        """Seconds to add to our clock to read the org's (0 when the two agree within the header's
        resolution): how a rollback compares the org's ``LastModifiedDate`` with the ledger's times."""
        sample = self.clock_sample
        if sample is None or abs(sample) < CLOCK_SKEW_FLOOR:
            return 0.0
        return sample + 1.0  # the middle of the header's truncation, rounded toward the org's clock


def clock_sample(date_header: str | None, received: float) -> float | None:
    """One estimate of (org clock - our clock) from an HTTP ``Date`` header read at ``received``."""
    if not date_header:
        return None
    try:
        return parsedate_to_datetime(date_header).timestamp() - received
    except (TypeError, ValueError, IndexError):
        return None


class OrgClient:
    """simple-salesforce with retries and a limit guard (``stop_share`` of the daily allowance)."""

    def __init__(
        self,
        sf: Salesforce,
        stop_share: float = 0.9,
        attempts: int = 6,
        max_wait: float = 8.0,
        timeout: float = READ_TIMEOUT,
    ):
        self.sf = sf
        self.stop_share = stop_share
        self.usage = Usage()
        self.attempts = attempts
        self.max_wait = max_wait
        self.timeout = timeout
        self._create_only: dict[str, set[str]] = {}
        sf.session.hooks.setdefault("response", []).append(self._on_response)
        with_timeout(sf.session, (CONNECT_TIMEOUT, timeout))

    # -- accounting ---------------------------------------------------------------------------
    def _on_response(self, response: requests.Response, *args, **kwargs) -> None:
        sample = clock_sample(response.headers.get("Date"), time.time())
        with self.usage.lock:
            self.usage.calls += 1
            if sample is not None and (self.usage.clock_sample is None or sample > self.usage.clock_sample):
                self.usage.clock_sample = sample
            kind = "bulk" if "/jobs/" in response.url else "rest"
            self.usage.by_kind[kind] = self.usage.by_kind.get(kind, 0) + 1
            match = USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
            if match:
                self.usage.api_used, self.usage.api_max = int(match.group(1)), int(match.group(2))

    def check_limits(self, fresh: bool = False) -> dict:
        """Raise :class:`LimitStop` when daily API requests or Bulk batches reached the stop share."""
        limits = self.call(self.sf.limits) if fresh else {}
        checks = []
        for name in ("DailyApiRequests", "DailyBulkApiBatches"):
            entry = limits.get(name)
            if entry and entry.get("Max"):
                used = entry["Max"] - entry.get("Remaining", entry["Max"])
                checks.append((name, used, entry["Max"]))
        if not fresh and self.usage.api_max:
            checks.append(("DailyApiRequests", self.usage.api_used, self.usage.api_max))
        for name, used, maximum in checks:
            if used >= self.stop_share * maximum:
                raise LimitStop(
                    f"{name} at {used:,}/{maximum:,} ({used / maximum:.0%}) reached the stop line of "
                    f"{self.stop_share:.0%}: the run stopped cleanly; `dp2sf load --resume` continues it "
                    "once the org's 24-hour allowance has room"
                )
        return limits

    # -- calls --------------------------------------------------------------------------------
    def call(self, fn, *args, **kwargs):
        """Call ``fn`` with backoff on transient failures; a limit refusal that persists stops the run."""
        retrying = Retrying(
            retry=retry_if_exception(is_transient),
            stop=stop_after_attempt(self.attempts),
            wait=wait_exponential(multiplier=0.1, max=self.max_wait),
            reraise=True,
        )
        try:
            return retrying(fn, *args, **kwargs)
        except SalesforceError as exc:
            if error_code(exc) == "REQUEST_LIMIT_EXCEEDED":
                raise LimitStop(
                    "the org refused requests with REQUEST_LIMIT_EXCEEDED after "
                    f"{self.attempts} attempts: the run stopped cleanly; `dp2sf load --resume` continues it"
                ) from exc
            raise

    def create_only_fields(self, object_name: str) -> set[str]:
        """Fields the org lets us set on insert but not on update (``createable`` and not ``updateable``,
        e.g. Task.TaskSubtype): an upsert that updates a record must leave them empty, as an empty Bulk CSV
        cell leaves a field unchanged."""
        if object_name not in self._create_only:
            self.check_limits()  # a describe is an API request too: stop at the line before it
            describe = self.call(getattr(self.sf, object_name).describe)
            self._create_only[object_name] = {
                f["name"] for f in describe["fields"] if f.get("createable") and not f.get("updateable")
            }
        return self._create_only[object_name]

    @property
    def renewals(self) -> int:
        """Sessions renewed by the connection's :class:`core.renewal.Renewer` (issue 20)."""
        renewer = self.sf.__dict__.get("renewer")
        return len(renewer.renewals) if renewer is not None else 0

    def bulk(self, object_name: str) -> _Bulk2Client:
        """A Bulk 2.0 client sharing ``sf.headers`` (the dict a session renewal updates in place)."""
        return _Bulk2Client(object_name, self.sf.bulk2_url, self.sf.headers, self.sf.session)

    def query_iter(self, soql: str) -> Iterator[dict]:
        """REST query, following nextRecordsUrl (for small sets: Users, the standard Pricebook)."""
        result = self.call(self.sf.query, soql)
        while True:
            yield from result.get("records", [])
            if result.get("done", True):
                return
            result = self.call(self.sf.query_more, result["nextRecordsUrl"], identifier_is_url=True)

    def url(self, path: str) -> str:
        return self.sf.base_url + path.lstrip("/")
