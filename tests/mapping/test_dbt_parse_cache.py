"""A new build folder starts from the project's last dbt parse (``mapping/dbt_parse_cache.py``), and the docs
after a build reuse the build's compiled manifest (``mapping.transform.generate_docs``): both on a copy of
the transformed fixture DB (tests/conftest.py ``fixture_transform``)."""

from __future__ import annotations

import json
from pathlib import Path

from core.settings import get_settings
from mapping.dbt_parse_cache import PARSE_FILE, keep_parse, seed_parse
from mapping.transform import generate_docs, run_dbt
from tests.conftest import transformed_copy


def test_a_new_build_folder_reuses_the_kept_parse(fixture_transform, tmp_path: Path) -> None:
    _, built = transformed_copy(fixture_transform, tmp_path / "copy")
    fresh = get_settings(data_dir=built.data_dir, build_dir=tmp_path / "fresh_build")  # an empty target
    run = run_dbt(fresh, ["parse"])
    assert run.returncode == 0, run.output[-2000:]
    target = fresh.build_dir / "dbt" / "target"
    assert (target / PARSE_FILE).is_file()
    log = (fresh.build_dir / "dbt" / "logs" / "dbt.log").read_text()
    # dbt checked the copied parse (files, vars, profile) and found nothing to parse again
    assert "no changes found, skipping parsing" in log
    assert "Starting full parse" not in log


def test_a_parse_under_another_memory_cap_is_kept_apart(fixture_transform, tmp_path: Path) -> None:
    """The cap is a profile value dbt checks: a build under another cap keeps the default's parse."""
    _, built = transformed_copy(fixture_transform, tmp_path / "copy")
    capped = get_settings(data_dir=built.data_dir, build_dir=tmp_path / "capped", duckdb_memory_limit="700MB")
    assert run_dbt(capped, ["parse"]).returncode == 0
    fresh = get_settings(data_dir=built.data_dir, build_dir=tmp_path / "fresh_build")
    assert run_dbt(fresh, ["parse"]).returncode == 0
    log = (fresh.build_dir / "dbt" / "logs" / "dbt.log").read_text()
    assert "no changes found, skipping parsing" in log and "Starting full parse" not in log


def test_a_kept_parse_never_overwrites_a_build_folders_own(tmp_path: Path, monkeypatch) -> None:
    from mapping import dbt_parse_cache

    monkeypatch.setattr(dbt_parse_cache, "CACHE_DIR", tmp_path / "cache")
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    (first / PARSE_FILE).write_bytes(b"parse of a")
    assert not seed_parse(second, "k")  # nothing kept yet: dbt parses in full
    keep_parse(first, "k")
    assert seed_parse(second, "k") and (second / PARSE_FILE).read_bytes() == b"parse of a"
    (second / PARSE_FILE).write_bytes(b"parse of b")
    assert not seed_parse(second, "k") and (second / PARSE_FILE).read_bytes() == b"parse of b"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["k.msgpack"]  # no temp file left


def test_the_docs_after_a_build_carry_its_compiled_sql_and_the_catalog(fixture_transform, tmp_path) -> None:
    _, built = transformed_copy(fixture_transform, tmp_path)
    page = generate_docs(built).read_text()
    catalog = json.loads((built.build_dir / "dbt" / "target" / "catalog.json").read_text())
    assert "model.dp2sf.Case" in catalog["nodes"] and catalog["nodes"]["model.dp2sf.Case"]["columns"]
    # the page inlines the manifest: the build's, with every model's compiled SQL (a parse has none)
    start = page.index('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/')
    inline, _ = json.JSONDecoder().raw_decode(page, start)
    models = [n for n in inline["nodes"].values() if n["resource_type"] == "model"]
    assert len(models) > 90 and all(n.get("compiled_code") for n in models)
