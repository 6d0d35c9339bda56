"""OAuth2 client-credentials tokens for the simulator (in memory; lifetime adjustable by the admin API)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

SCOPE = " ".join(
    ["tn.crm.customers:r", "tn.jpm.jobs:r", "tn.dsp.appointments:r"]
    + ["tn.set.technicians:r", "tn.acc.invoices:r", "tn.frm.jobs:r"]
)


@dataclass
class Credentials:
    client_id: str
    client_secret: str
    app_key: str
    tenant: str
    admin_token: str


@dataclass
class TokenStore:
    """Issued bearer tokens and their expiry (monotonic clock)."""

    lifetime_s: float = 900.0
    _tokens: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> tuple[str, int]:
        token = "st." + secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.lifetime_s
        return token, int(self.lifetime_s)

    def valid(self, token: str) -> bool:
        expiry = self._tokens.get(token)
        return expiry is not None and expiry > time.monotonic()

    def expire_all(self) -> int:
        with self._lock:
            n = len(self._tokens)
            self._tokens = {}
        return n
