"""The CLI's consoles and its one way to stop on an expected failure."""

from __future__ import annotations

import os

import requests
import typer
from rich.console import Console
from simple_salesforce.exceptions import SalesforceError

from core.quoting import console_text


def _console(stderr: bool = False) -> Console:
    """A terminal's own width; elsewhere (CI, a pipe) 100 columns unless COLUMNS says otherwise, so the
    closing tables keep their object names whole."""
    plain = Console(stderr=stderr)
    if plain.is_terminal or os.environ.get("COLUMNS"):
        return plain
    return Console(stderr=stderr, width=100)


console = _console()
err = _console(stderr=True)


def fail(message: str | BaseException, code: int = 1) -> None:
    """Print one line (the message escaped for rich markup: it may carry a tenant's text; an exception
    through :func:`error_line`, so no request URL or SOQL is echoed) and exit."""
    text = error_line(message) if isinstance(message, BaseException) else message
    err.print(f"[bold red]error:[/] {console_text(text)}", soft_wrap=True)
    raise typer.Exit(code)


def org_error_cause(exc: BaseException):
    """The Salesforce API error in ``exc``'s chain (``raise ... from``, or raised while handling), or None."""
    from simple_salesforce.exceptions import SalesforceError

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, SalesforceError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def error_line(exc: BaseException) -> str:
    """What ``dp2sf`` prints for an expected failure: the error's message, with a Salesforce API error it
    carries (whose text holds the request URL, the SOQL with the data in it) replaced by
    :func:`org_error_line`."""
    cause = org_error_cause(exc)
    if cause is None:
        return str(exc)
    if cause is exc:
        return org_error_line(exc)
    message, raw = str(exc), str(cause)
    return message.replace(raw, org_error_line(cause)) if raw in message else message


def org_error_line(exc: BaseException) -> str:
    """One line for a Salesforce API error (failed login, expired or invalid token, refused request): the
    error's kind, HTTP status and Salesforce's error code, never the URL or the SOQL it carried."""
    kind = type(exc).__name__.removeprefix("Salesforce")
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    detail = ""
    content = getattr(exc, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        detail = str(content[0].get("errorCode") or "")
    elif kind == "AuthenticationFailed":
        detail = str(getattr(exc, "message", "") or "")[:200]
    parts = [f"the Salesforce org refused the request ({kind}"]
    if status:
        parts.append(f", HTTP {status}")
    if code:
        parts.append(f", {code}")
    parts.append(")")
    if detail:
        parts.append(f": {detail}")
    hint = {
        "AuthenticationFailed": "check SF_USERNAME, SF_PASSWORD, SF_SECURITY_TOKEN and SF_DOMAIN",
        "ExpiredSession": "the access token expired or was revoked: get a new one (SF_ACCESS_TOKEN)",
    }.get(kind)
    return "".join(parts) + (f"; {hint}" if hint else "")


def org_trouble(exc: BaseException) -> str:
    """One line for an org that is down or refuses the session (no traceback)."""
    status = getattr(exc, "status", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if status in (401, 403):
        return f"the org refused the session ({status}): the token is wrong or expired; sign in again"
    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return f"the org did not answer ({type(exc).__name__}): is it up? then run the command again"
    if isinstance(exc, SalesforceError):  # its text holds the request URL and the SOQL: never echoed
        return org_error_line(exc)
    return f"the org answered with an error: {type(exc).__name__}"
