"""``python -m sandbox.salesforce --port P --state-dir DIR --certfile F --keyfile F --seed S --scale X
[--technicians FILE] [--person-accounts] [--setup PROFILE]`` (FILE: a JSON list of technicians that get a
User in a fresh org; PROFILE: a JSON setup profile, ``setup_profile``).

Tokens come from the environment: SF_SANDBOX_ACCESS_TOKEN (the session) and SF_SANDBOX_ADMIN_TOKEN (/_admin).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import uvicorn

from sandbox.keepalive import KEEP_ALIVE_S
from sandbox.salesforce.app import create_app
from sandbox.salesforce.org import Org


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.salesforce", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--certfile", type=Path)
    parser.add_argument("--keyfile", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--scale", default="tiny")
    parser.add_argument("--technicians", type=Path, help="JSON list of technicians (id, firstName, ...)")
    parser.add_argument("--person-accounts", action="store_true", help="enable Person Accounts in the org")
    parser.add_argument(
        "--setup", type=Path, help="JSON setup profile: {kind: [admin bodies]} (setup_profile)"
    )
    args = parser.parse_args(argv)
    token, admin = os.environ.get("SF_SANDBOX_ACCESS_TOKEN"), os.environ.get("SF_SANDBOX_ADMIN_TOKEN")
    missing = [n for n, v in (("SF_SANDBOX_ACCESS_TOKEN", token), ("SF_SANDBOX_ADMIN_TOKEN", admin)) if not v]
    if missing:
        print(f"error: environment variable(s) {', '.join(missing)} must be set", file=sys.stderr)
        return 2
    for name in ("certfile", "keyfile"):
        path = getattr(args, name)
        if path is not None and not path.is_file():
            print(f"error: --{name} {path} does not exist", file=sys.stderr)
            return 2
    technicians = None
    if args.technicians is not None:
        try:
            technicians = json.loads(args.technicians.read_text())
        except (OSError, ValueError) as exc:
            print(f"error: --technicians {args.technicians}: {exc}", file=sys.stderr)
            return 2
        if not isinstance(technicians, list):
            print(f"error: --technicians {args.technicians} must hold a JSON list", file=sys.stderr)
            return 2
    setup = None
    if args.setup is not None:
        try:
            setup = json.loads(args.setup.read_text())
        except (OSError, ValueError) as exc:
            print(f"error: --setup {args.setup}: {exc}", file=sys.stderr)
            return 2
    org = Org(
        args.state_dir,
        seed=args.seed,
        scale=args.scale,
        technicians=technicians,
        person_accounts=args.person_accounts,
        setup=setup,
    )
    app = create_app(org, token, admin)
    ssl = {"ssl_certfile": str(args.certfile), "ssl_keyfile": str(args.keyfile)} if args.certfile else {}
    # idle keep-alive connections stay open for two minutes, as behind a real load balancer: uvicorn's 5 s
    # default races clients that reuse a pooled connection (RemoteDisconnected on the next request)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="warning",
        timeout_graceful_shutdown=1,
        timeout_keep_alive=KEEP_ALIVE_S,
        date_header=False,  # app.DateHeader sends it, on the org's clock
        **ssl,
    )
    org.store.close()
    # idle worker threads of the request thread pool would hold interpreter exit for ~10 s
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
