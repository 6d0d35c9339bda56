"""Checks every verb runs before it changes anything: its settings, its options, its connections.

Each check raises :class:`PreflightError` (a :class:`core.errors.Dp2sfError`) with one line that names what
is wrong and what to do; ``workbench.cli.main`` prints it and exits with :data:`EXIT_CONFIG`.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.errors import Dp2sfError
from core.settings import Settings

EXIT_CONFIG = 4  # bad settings, options or credentials: nothing was changed
SCALES = ("tiny", "S", "M", "L")
INVOICE_MODES = ("custom", "order")
TARGETS = ("sandbox", "salesforce")
SOURCES = ("simulator", "servicetitan")
INACTIVE_POLICIES = ("flag", "leave", "delete")
SERVICETITAN_KEYS = ("TENANT", "CLIENT_ID", "CLIENT_SECRET", "APP_KEY")


class PreflightError(Dp2sfError):
    """A setting, option or connection is wrong; nothing has been changed."""

    exit_code = EXIT_CONFIG


def settings(**overrides) -> Settings:
    """The settings from the environment, or one line naming the variable that does not parse."""
    from pydantic import ValidationError

    from core.settings import get_settings

    try:
        s = get_settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "DP2SF_" + str(first["loc"][0]).upper() if first.get("loc") else "a DP2SF_ setting"
        raise PreflightError(
            f"{name}: {first['msg']} (got {first.get('input')!r}); fix the variable"
        ) from None
    choose("DP2SF_SOURCE", s.source, SOURCES)
    choose("DP2SF_TARGET", s.target, TARGETS)
    choose("DP2SF_DELTA_INACTIVE_POLICY", s.delta_inactive_policy, INACTIVE_POLICIES)
    if not 0 < s.load_stop_share <= 1:
        raise PreflightError(f"DP2SF_LOAD_STOP_SHARE must be in (0, 1], got {s.load_stop_share}")
    if s.load_chunk_rows < 1:
        raise PreflightError(f"DP2SF_LOAD_CHUNK_ROWS must be at least 1, got {s.load_chunk_rows}")
    return s


def choose(what: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` when it is one of ``allowed``; else one line listing them."""
    if value not in allowed:
        raise PreflightError(f"{what} is {value!r}: choose {', '.join(allowed)}")
    return value


def source_ready(s: Settings) -> None:
    """The source can be reached: the simulator's endpoints file, or ServiceTitan's four credentials."""
    if s.source == "simulator":
        endpoints = Path(s.sandbox_dir) / "endpoints.json"
        if not endpoints.is_file():
            raise PreflightError(f"no simulator running (no {endpoints}): start it with `dp2sf sandbox up`")
        from sandbox.control import status

        if not status(s.sandbox_dir).get("dispatch_pro", {}).get("running"):
            raise PreflightError(
                "the Dispatch Pro simulator is not running: start it with `dp2sf sandbox up`"
            )
        return
    missing = [f"SOURCES__DISPATCH_PRO__{k}" for k in SERVICETITAN_KEYS if not os.environ.get(
        f"SOURCES__DISPATCH_PRO__{k}") and not _in_secrets_toml(k.lower())]  # fmt: skip
    if missing:
        raise PreflightError(
            f"ServiceTitan source is not configured: set {', '.join(missing)} (or .dlt/secrets.toml)"
        )


def _in_secrets_toml(key: str) -> bool:
    path = Path(".dlt") / "secrets.toml"
    return path.is_file() and f"{key} =" in path.read_text(encoding="utf-8", errors="replace")


def target_ready(s: Settings, target: str | None = None, call: bool = True) -> None:
    """The target org's settings are complete and, with ``call``, the org answers ``/limits``."""
    from core.connection import ConnectionConfigError, org_client
    from core.renewal import SessionEnded
    from workbench.console import org_trouble

    target = choose("target", target or s.target, TARGETS)
    try:
        org = org_client(s, target)
        if call:
            org.check_limits(fresh=True)
    except ConnectionConfigError as exc:
        raise PreflightError(f"target {target}: {exc}") from None
    except SessionEnded:  # a token that cannot be renewed and the org refuses
        raise PreflightError(
            f"target {target}: the org refused the session (401): the token is wrong or expired; "
            "sign in again"
        ) from None
    except Dp2sfError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to reach the org is the same advice
        hint = "`dp2sf sandbox up`" if target == "sandbox" else "the SF_* settings and the network"
        raise PreflightError(f"target {target}: {org_trouble(exc)} (check {hint})") from None


def duckdb_ready(s: Settings, needs: str = "") -> None:
    """The DuckDB file exists (when ``needs`` names what must be in it) and no other process holds it."""
    import duckdb

    path = Path(s.duckdb_path)
    if not path.exists():
        if needs:
            raise PreflightError(f"no DuckDB file at {path}: {needs}")
        return
    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise PreflightError(
                f"{path} is in use by another process ({_holder(text)}): wait for it to finish or stop it"
            ) from None
        raise PreflightError(f"cannot open {path}: {text.splitlines()[0]}") from None


def _holder(text: str) -> str:
    """The conflicting process as DuckDB names it (``PID 1234``), or a generic phrase."""
    import re

    match = re.search(r"PID (\d+)", text)
    return f"pid {match.group(1)}" if match else "another dp2sf stage or a notebook"


def writable(path: Path, what: str) -> None:
    """``path`` (a folder, created when missing) takes a file; else one line naming it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".dp2sf-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise PreflightError(
            f"cannot write {what} at {path} ({exc.strerror}): free space or fix permissions"
        ) from None
