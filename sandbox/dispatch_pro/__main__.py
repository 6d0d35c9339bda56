"""``python -m sandbox.dispatch_pro --port P --seed S --scale tiny|S|M|L --state-dir DIR [--corpus hostile]``.

Credentials come from the environment (never the command line): DP_SIM_CLIENT_ID, DP_SIM_CLIENT_SECRET,
DP_SIM_APP_KEY, DP_SIM_TENANT, DP_SIM_ADMIN_TOKEN. Optional: DP_SIM_PRERENDER (auto|on|off) and
DP_SIM_CACHE_DIR (where rendered records go; default <state-dir>/cache; chunks already there are reused),
DP_SIM_RATE_LIMIT (requests per second per app and tenant; default 60 as ServiceTitan; 0 = off).
With ``--state-dir`` the customer's Dispatch Pro export folder is written to ``<state-dir>/exports`` at
start-up (``exports.py``) and named by ``/health``.
"""

from __future__ import annotations

import argparse
import atexit
import os
import subprocess
import sys
from pathlib import Path

import uvicorn

from sandbox.keepalive import KEEP_ALIVE_S

from .app import SimConfig, create_app
from .auth import Credentials
from .hostile import CORPORA
from .skeleton import SCALES
from .state import SERVICETITAN_RATE_LIMIT

ENV = {
    "client_id": "DP_SIM_CLIENT_ID",
    "client_secret": "DP_SIM_CLIENT_SECRET",
    "app_key": "DP_SIM_APP_KEY",
    "tenant": "DP_SIM_TENANT",
    "admin_token": "DP_SIM_ADMIN_TOKEN",
}


def credentials_from_env() -> Credentials:
    missing = [var for var in ENV.values() if not os.environ.get(var)]
    if missing:
        raise SystemExit(f"dispatch_pro simulator: missing environment variable(s): {', '.join(missing)}")
    return Credentials(**{field: os.environ[var] for field, var in ENV.items()})


def start_prerender(seed: int, scale: str, cache_dir: Path) -> subprocess.Popen:
    """The background cache filler; same process group, so stopping the server stops it too."""
    args = ["--seed", str(seed), "--scale", scale, "--cache-dir", str(cache_dir)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.dispatch_pro.cache", *args], stdin=subprocess.DEVNULL
    )
    atexit.register(proc.terminate)
    return proc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.dispatch_pro", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", choices=list(SCALES), default="tiny")
    parser.add_argument("--state-dir", type=Path, default=None, help="where the admin overlay is persisted")
    parser.add_argument("--export-page-size", type=int, default=500)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=float(os.environ.get("DP_SIM_RATE_LIMIT", SERVICETITAN_RATE_LIMIT)),
        help="requests per second per app and tenant before 429 + Retry-After (0 = off)",
    )
    parser.add_argument(
        "--prerender",
        choices=("auto", "on", "off"),
        default=os.environ.get("DP_SIM_PRERENDER", "auto"),
        help="render base records to a disk cache in a background process (auto: on for scale M)",
    )
    parser.add_argument(
        "--corpus",
        choices=CORPORA,
        default="default",
        help="hostile: template code, HTML, formulas, NULs ... in every kind of source text (hostile.py)",
    )
    args = parser.parse_args(argv)
    prerender = args.prerender == "on" or (args.prerender == "auto" and args.scale == "M")
    prerender = prerender and args.corpus == "default"  # the record cache holds the default corpus only
    shared_cache = os.environ.get("DP_SIM_CACHE_DIR")  # reuse rendered records across runs (benchmarks)
    cache_dir = Path(shared_cache) if shared_cache else (args.state_dir / "cache" if args.state_dir else None)
    cache_dir = cache_dir if prerender else None
    config = SimConfig(
        seed=args.seed,
        scale=args.scale,
        credentials=credentials_from_env(),
        state_dir=args.state_dir,
        export_page_size=args.export_page_size,
        cache_dir=cache_dir,
        rate_limit_per_s=args.rate_limit,
        exports_dir=args.state_dir / "exports" if args.state_dir else None,
        corpus=args.corpus,
    )
    try:
        app = create_app(config)
    except ValueError as exc:  # e.g. an unreadable overlay file
        raise SystemExit(f"dispatch_pro simulator: {exc}") from None
    if cache_dir is not None:
        start_prerender(args.seed, args.scale, cache_dir)
    print(
        f"dispatch_pro simulator: seed={args.seed} scale={args.scale} corpus={args.corpus} on http://{args.host}:{args.port}",
        file=sys.stderr,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_S,  # see sandbox/keepalive.py
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
