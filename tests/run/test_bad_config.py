"""A table of bad configurations: each verb stops before it changes anything, with one line naming what to do
and the exit code the README lists (4: bad settings, option or connection)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from workbench.cli import main
from workbench.preflight import EXIT_CONFIG

NO_SF = {
    "SF_INSTANCE_URL": "",
    "SF_ACCESS_TOKEN": "",
    "SF_USERNAME": "",
    "SF_PASSWORD": "",
    "SF_SECURITY_TOKEN": "",
}
ST_FAKE = {f"SOURCES__DISPATCH_PRO__{k}": "x" for k in ("TENANT", "CLIENT_ID", "CLIENT_SECRET", "APP_KEY")}

# (id, argv, environment, a DuckDB file exists, the phrase the one line must hold)
CASES = [
    ("demo-scale", ["demo", "--scale", "XL"], {}, False, "--scale is 'XL': choose tiny, S, M, L"),
    ("sandbox-scale", ["sandbox", "up", "--scale", "XL"], {}, False, "choose tiny, S, M, L"),
    ("inventory-invoices", ["inventory", "--invoices", "bogus"], {}, True, "--invoices is 'bogus'"),
    ("transform-invoices", ["transform", "--invoices", "bogus"], {}, True, "choose custom, order"),
    ("schema-check-target", ["schema", "check", "--target", "prod"], {}, False, "--target is 'prod'"),
    ("schema-check-invoices", ["schema", "check", "--invoices", "x"], {}, False, "choose custom, order"),
    ("schema-deploy-invoices", ["schema", "deploy", "--invoices", "x"], {}, False, "choose custom, order"),
    ("propose-invoices", ["map", "propose", "--invoices", "x"], {}, True, "choose custom, order"),
    ("map-diff-invoices", ["map", "diff", "--invoices", "x"], {}, True, "choose custom, order"),
    ("sample-target", ["sample", "--target", "prod"], {}, True, "target is 'prod'"),
    ("env-target", ["reconcile"], {"DP2SF_TARGET": "prod"}, True, "DP2SF_TARGET is 'prod'"),
    ("reconcile-no-creds", ["reconcile"], {"DP2SF_TARGET": "salesforce", **NO_SF}, True, "SF_USERNAME"),
    ("rollback-no-creds", ["rollback", "r1"], {"DP2SF_TARGET": "salesforce", **NO_SF}, True, "SF_USERNAME"),
    ("load-no-creds", ["load"], {"DP2SF_TARGET": "salesforce", **NO_SF}, True, "SF_INSTANCE_URL"),
    ("delta-no-creds-first", ["delta"], {"DP2SF_TARGET": "salesforce", **NO_SF}, True, "SF_SECURITY_TOKEN"),
    (
        "half-token",
        ["reconcile"],
        {"DP2SF_TARGET": "salesforce", **NO_SF, "SF_INSTANCE_URL": "https://x.my"},
        True,
        "SF_ACCESS_TOKEN is not set",
    ),  # fmt: skip
    (
        "servicetitan-no-creds",
        ["extract"],
        {"DP2SF_SOURCE": "servicetitan", **{k: "" for k in ST_FAKE}},
        False,
        "SOURCES__DISPATCH_PRO__CLIENT_SECRET",
    ),  # fmt: skip
    ("source-bogus", ["extract"], {"DP2SF_SOURCE": "csv"}, False, "DP2SF_SOURCE is 'csv'"),
    ("policy-env", ["delta"], {"DP2SF_DELTA_INACTIVE_POLICY": "purge"}, True, "choose flag, leave, delete"),
    ("policy-option", ["delta", "--inactive", "purge"], {}, True, "choose flag, leave, delete"),
    ("chunk-not-a-number", ["load"], {"DP2SF_LOAD_CHUNK_ROWS": "lots"}, True, "DP2SF_LOAD_CHUNK_ROWS"),
    ("stop-share", ["load"], {"DP2SF_LOAD_STOP_SHARE": "2"}, True, "DP2SF_LOAD_STOP_SHARE must be in"),
    ("chunk-zero", ["load", "--plan"], {"DP2SF_LOAD_CHUNK_ROWS": "0"}, True, "at least 1"),
    ("memory-limit", ["transform"], {"DP2SF_DUCKDB_MEMORY_LIMIT": "lots"}, True, "such as 1500MB or 2GiB"),
    ("extract-no-simulator", ["extract"], {}, False, "start it with `dp2sf sandbox up`"),
    ("load-no-org", ["load"], {}, True, "`dp2sf sandbox up`"),
    ("reconcile-no-org", ["reconcile"], {}, True, "`dp2sf sandbox up`"),
    ("schema-check-no-org", ["schema", "check"], {}, False, "`dp2sf sandbox up`"),
    ("transform-no-db", ["transform"], {}, False, "run `dp2sf extract` first"),
    ("inventory-no-db", ["inventory"], {}, False, "run `dp2sf extract` first"),
    ("validate-no-db", ["validate"], {}, False, "`dp2sf transform` first"),
    ("prescan-no-db", ["prescan"], {}, False, "`dp2sf transform` first"),
    ("reconcile-no-db", ["reconcile"], {}, False, "nothing was loaded yet"),
    ("rollback-no-db", ["rollback", "r1"], {}, False, "nothing was loaded yet"),
    ("approve-no-db", ["map", "approve"], {}, False, "run `dp2sf sample` first"),
    ("delta-no-db", ["delta"], {}, False, "run a full load first"),
]


@pytest.fixture()
def dirs(tmp_path: Path, monkeypatch) -> dict[str, Path]:
    """Empty sandbox/data/build/reports folders of this test only; no SF_ or source secrets from outside."""
    out = {name: tmp_path / name for name in ("sandbox", "data", "build", "reports")}
    for name, path in out.items():
        monkeypatch.setenv(f"DP2SF_{name.upper()}_DIR", str(path))
    for name in ("DP2SF_TARGET", "DP2SF_SOURCE", "DP2SF_LOAD_CHUNK_ROWS", "DP2SF_LOAD_STOP_SHARE",
                 "DP2SF_DELTA_INACTIVE_POLICY", "DP2SF_DUCKDB_MEMORY_LIMIT", *NO_SF, *ST_FAKE):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .dlt/secrets.toml of the repo
    return out


def run_cli(argv: list[str], monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["dp2sf", *argv])
    with pytest.raises(SystemExit) as stop:
        main()
    return int(stop.value.code or 0), capsys.readouterr().err


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*")) if path.exists() else []


@pytest.mark.parametrize(
    ("argv", "env", "with_db", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_configuration_is_one_line_and_changes_nothing(
    argv, env, with_db, phrase, dirs, monkeypatch, capsys
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if with_db:
        dirs["data"].mkdir()
        duckdb.connect(str(dirs["data"] / "dp2sf.duckdb")).close()
    before = {name: tree(path) for name, path in dirs.items()}
    code, stderr = run_cli(argv, monkeypatch, capsys)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert code == EXIT_CONFIG, stderr
    assert len(lines) == 1 and lines[0].startswith("error:"), stderr
    assert phrase in " ".join(stderr.split()), stderr
    assert {name: tree(path) for name, path in dirs.items()} == before  # nothing written, nothing started


def test_table_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_unwritable_data_folder_is_named(tmp_path: Path, dirs, monkeypatch, capsys) -> None:
    """The file store's disk full / read-only, simulated by a data folder under a regular file (root ignores
    a read-only mode bit, and no small tmpfs is available): the verb stops before it writes."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("DP2SF_DATA_DIR", str(blocker / "data"))
    code, stderr = run_cli(["demo"], monkeypatch, capsys)
    assert code == EXIT_CONFIG and "cannot write the data folder" in stderr, stderr


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table if not exists t (x int)")
print("locked", flush=True)
time.sleep(60)
"""


def test_duckdb_locked_by_another_process_is_named(dirs, monkeypatch, capsys) -> None:
    dirs["data"].mkdir()
    db = dirs["data"] / "dp2sf.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, stderr = run_cli(["transform"], monkeypatch, capsys)
    finally:
        holder.kill()
        holder.wait()
    assert code == EXIT_CONFIG, stderr
    assert f"in use by another process (pid {holder.pid})" in " ".join(stderr.split()), stderr
