"""The simulator's configuration and its running state (shared by the app, its routers and the gate)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from .auth import Credentials, TokenStore
from .cache import RecordCache
from .dataset import Dataset
from .faults import FaultBook
from .ratelimit import RateLimiter

REQUEST_LOG_MAX = 200_000
SERVICETITAN_RATE_LIMIT = 60  # requests per second per app and tenant


@dataclass
class SimConfig:
    seed: int
    scale: str
    credentials: Credentials
    state_dir: Path | None = None
    export_page_size: int = 500
    cache_dir: Path | None = None  # rendered base records (see cache.py); None = generate everything
    rate_limit_per_s: float = SERVICETITAN_RATE_LIMIT  # 0 = no limit
    exports_dir: Path | None = None  # where the customer's Dispatch Pro export is written (None: not written)
    corpus: str = "default"  # "hostile": hostile text in every kind of source text (hostile.py)


@dataclass
class SimState:
    config: SimConfig
    dataset: Dataset
    tokens: TokenStore = field(default_factory=TokenStore)
    faults: FaultBook = field(default_factory=FaultBook)
    requests: deque = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_MAX))
    cache: RecordCache | None = None
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(SERVICETITAN_RATE_LIMIT))
    exports_ready: bool = False  # the export folder is written (at start-up, in the background)
    exports_error: str | None = None
