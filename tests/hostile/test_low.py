"""Issue 18, finding 7: rich markup from source names, owner-only files, https only for the source, a checked
SF_DOMAIN, one line instead of a traceback for a refused login or token, pinned CI actions."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from core.connection import ConnectionConfigError, connect
from core.private import private_dir, write_private
from core.settings import PROJECT_DIR, sf_domain
from dlt_pipelines.dispatch_pro.settings import require_https
from sandbox.control import _credentials, _write_endpoints
from tests.hostile import corpus
from workbench.console import org_error_line


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def open_umask():
    """A permissive umask, so a file is owner-only only because it was created so."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_sandbox_secrets_are_created_owner_only(tmp_path, open_umask) -> None:
    state = tmp_path / "state"
    _credentials(state)
    _write_endpoints(state, {"salesforce": {"access_token": "t"}})
    assert _mode(state / "credentials.json") == 0o600 and _mode(state / "endpoints.json") == 0o600
    assert _mode(state) == 0o700


def test_private_files_and_folders(tmp_path, open_umask) -> None:
    folder = private_dir(tmp_path / "reports" / "run-1")
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700
    assert _mode(write_private(folder / "r.html", "x")) == 0o600


def test_the_cli_process_creates_owner_only_duckdb_files(tmp_path) -> None:
    code = (
        "import os; os.umask(0o022)\n"
        "from core.private import owner_only_umask; owner_only_umask()\n"
        f"import duckdb, sqlite3; duckdb.connect({str(tmp_path / 'a.duckdb')!r}).close()\n"
        f"sqlite3.connect({str(tmp_path / 'org.sqlite')!r}).execute('create table t (x)')\n"
        f"os.makedirs({str(tmp_path / 'reports' / 'r')!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_DIR)
    assert _mode(tmp_path / "a.duckdb") == 0o600 and _mode(tmp_path / "org.sqlite") == 0o600
    assert _mode(tmp_path / "reports") == 0o700
    from workbench import cli

    assert "owner_only_umask()" in Path(cli.__file__).read_text()  # `dp2sf` sets it before any verb


@pytest.mark.parametrize(
    "url", ["http://api.servicetitan.io", "ftp://x", "https://", "api.servicetitan.io", "javascript:alert(1)"]
)
def test_the_source_urls_must_be_https(url) -> None:
    with pytest.raises(ValueError, match="https://"):
        require_https(url, "sources.dispatch_pro.base_url")
    assert require_https("https://api.servicetitan.io", "x") == "https://api.servicetitan.io"


@pytest.mark.parametrize(
    "domain", ["evil.example/x?", "login.salesforce.com@evil.example", "a b", "x:8080", "-bad", corpus.RICH]
)
def test_sf_domain_is_refused_unless_dns_labels(domain, monkeypatch) -> None:
    with pytest.raises(ValueError, match="SF_DOMAIN"):
        sf_domain(domain)
    for name, value in (("SF_USERNAME", "u"), ("SF_PASSWORD", "p"), ("SF_SECURITY_TOKEN", "t")):
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SF_INSTANCE_URL", raising=False)
    monkeypatch.delenv("SF_ACCESS_TOKEN", raising=False)
    monkeypatch.setenv("SF_DOMAIN", domain)
    with pytest.raises(ConnectionConfigError, match="SF_DOMAIN"):
        connect("salesforce")  # refused before any request


def test_sf_domain_accepts_login_test_and_my_domains() -> None:
    assert [sf_domain(d) for d in ("", None, "test", "acme.my", "acme--uat.sandbox.my")] == [
        "login", "login", "test", "acme.my", "acme--uat.sandbox.my"
    ]  # fmt: skip


def test_a_refused_login_or_token_is_one_line_without_the_query() -> None:
    soql = "SELECT Id FROM Account WHERE Name = 'secret customer'"
    expired = SalesforceExpiredSession(
        f"https://x.my.salesforce.com/services/data/v62.0/query/?q={soql}", 401, "query",
        [{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}],
    )  # fmt: skip
    line = org_error_line(expired)
    assert "INVALID_SESSION_ID" in line and "HTTP 401" in line and "\n" not in line
    assert "secret customer" not in line and "SELECT" not in line
    login = org_error_line(SalesforceAuthenticationFailed("INVALID_LOGIN", "Invalid username, password"))
    assert "INVALID_LOGIN" in login and "SF_PASSWORD" in login and "\n" not in login


def test_a_stage_error_carrying_the_orgs_refusal_drops_its_url_and_query() -> None:
    from loaders.rollback import RollbackError
    from workbench.console import error_line

    soql = "SELECT Id FROM Account WHERE Name = 'secret customer'"
    expired = SalesforceExpiredSession(
        f"https://x/query/?q={soql}", 401, "query", [{"errorCode": "INVALID_SESSION_ID"}]
    )
    try:
        try:
            raise expired
        except SalesforceExpiredSession as exc:
            raise RollbackError(f"rollback r1 broke off: {exc}") from exc
    except RollbackError as wrapped:
        line = error_line(wrapped)
    assert line.startswith("rollback r1 broke off: the Salesforce org refused") and "secret" not in line


@pytest.mark.slow
@pytest.mark.parametrize("verb", ["reconcile", "rollback"])
def test_an_expired_token_is_one_line_on_reconcile_and_rollback(workspace, verb) -> None:
    """Against the sandbox org over HTTPS, as a real org (``DP2SF_TARGET=salesforce``) with a token the org
    refuses: one line on stderr, no traceback, no SOQL."""
    import duckdb

    from loaders.ledger import Ledger, Operation
    from sandbox.control import read_endpoints

    with duckdb.connect(str(workspace.duckdb_path)) as con:  # a finished load run to reconcile / roll back
        ledger = Ledger(con)
        run = ledger.start_run("full", "salesforce", None)
        ledger.record(run, [Operation("Account", "customer:1", "created", "001A00000000000001")])
        ledger.finish_run(run, "completed")
    org = read_endpoints(workspace.sandbox_dir)["salesforce"]
    env = {**os.environ, "DP2SF_TARGET": "salesforce", "SF_INSTANCE_URL": org["instance_url"],
           "SF_ACCESS_TOKEN": "00Dexpired!token", "REQUESTS_CA_BUNDLE": org["ca_cert"],
           "DP2SF_DATA_DIR": str(workspace.data_dir), "DP2SF_REPORTS_DIR": str(workspace.reports_dir),
           "DP2SF_BUILD_DIR": str(workspace.build_dir),
           "DP2SF_SANDBOX_DIR": str(workspace.sandbox_dir)}  # fmt: skip
    args = [verb] if verb == "reconcile" else [verb, run]
    proc = subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True, env=env,
        cwd=PROJECT_DIR, check=False, timeout=300,
    )  # fmt: skip
    assert proc.returncode != 0, proc.stdout[-1000:]
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and len(lines) <= 2, proc.stderr[-3000:]
    assert "SELECT" not in proc.stderr.upper().replace("SELECTED", ""), proc.stderr
    assert "INVALID_SESSION_ID" in proc.stderr or "401" in proc.stderr, proc.stderr


def test_workflows_set_permissions_and_pin_actions_by_commit() -> None:
    for path in sorted((PROJECT_DIR / ".github" / "workflows").glob("*.yml")):
        flow = yaml.safe_load(path.read_text())
        assert flow.get("permissions") == {"contents": "read"}, path.name
        for job in flow["jobs"].values():
            for step in job["steps"]:
                if "uses" in step:
                    ref = step["uses"].split("@", 1)[1]
                    assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), (path.name, ref)
                    if step["uses"].startswith("actions/checkout"):
                        assert step.get("with", {}).get("persist-credentials") is False, path.name


def test_inventory_prints_a_custom_property_with_rich_markup_as_text(tmp_path, monkeypatch) -> None:
    """``Ops Notes [/] x`` crashed ``dp2sf inventory`` (rich read it as a closing tag)."""
    import duckdb
    from typer.testing import CliRunner

    from tests.mapping.fixture_db import build_fixture_db
    from workbench.cli import app

    db = tmp_path / "data" / "dp2sf.duckdb"
    db.parent.mkdir()
    build_fixture_db(db)
    with duckdb.connect(str(db)) as con:  # a job custom property the tenant named with rich markup
        con.execute(
            "insert into raw_dispatch_pro.job_custom_field_types by name "
            "select 398::bigint as id, ? as name, 'Text' as data_type, 'd398' as _dlt_id",
            [corpus.RICH],
        )
        con.execute(
            "insert into raw_dispatch_pro.jobs__custom_fields values ('j1001', 9, 398, ?, 'x', 'jf98')",
            [corpus.RICH],
        )
    for name, folder in (("DATA_DIR", "data"), ("BUILD_DIR", "build"), ("REPORTS_DIR", "reports")):
        monkeypatch.setenv(f"DP2SF_{name}", str(tmp_path / folder))
    result = CliRunner().invoke(app, ["inventory"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    printed = " ".join((result.output + (result.stderr if result.stderr_bytes is not None else "")).split())
    assert " ".join(corpus.RICH.split()) in printed
