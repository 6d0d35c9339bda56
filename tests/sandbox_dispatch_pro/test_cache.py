"""The pre-rendered record cache: same bytes as generated, bypassed once the overlay touches an entity."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sandbox import control
from sandbox.dispatch_pro.cache import CHUNK, RecordCache, cache_root, cacheable, prerender
from sandbox.dispatch_pro.entities import ENTITIES
from sandbox.dispatch_pro.generator import Dataset
from sandbox.dispatch_pro.overlay import Overlay
from sandbox.dispatch_pro.paging import export_body

from .conftest import DpClient


def test_cached_pages_are_byte_identical(tmp_path: Path) -> None:
    chunks = prerender(42, "S", tmp_path)
    root = cache_root(tmp_path, 42, "S")
    assert (root / "COMPLETE").exists() and chunks >= len(cacheable())
    cache, ds = RecordCache(root), Dataset(42, "S")
    for ent in cacheable():
        for start in (None, "2021-06-01", "2024-02-29T10:00:00Z"):
            assert export_body(ds, ent, start, 500, cache) == export_body(ds, ent, start, 500, None), ent.key
    # the cache really is used: a doctored chunk shows through
    jobs = root / "jobs" / "000000.bin"
    jobs.write_bytes(jobs.read_bytes().replace(b'"jobNumber":"100000"', b'"jobNumber":"XXXXXX"'))
    assert b"XXXXXX" in export_body(ds, ENTITIES["jobs"], None, 5, RecordCache(root))
    assert CHUNK > 500


def test_overlay_changes_bypass_the_cache(tmp_path: Path) -> None:
    prerender(42, "tiny", tmp_path)
    cache = RecordCache(cache_root(tmp_path, 42, "tiny"))
    root = cache_root(tmp_path, 42, "tiny")
    appts = root / "appointments" / "000000.bin"
    appts.write_bytes(appts.read_bytes().replace(b'"unused":false', b'"unused":true'))
    overlay = Overlay(None, floor_ticks=0)
    ds = Dataset(42, "tiny", overlay)
    ent = ENTITIES["appointments"]
    assert b'"unused":true' in export_body(ds, ent, None, 500, cache)
    overlay.modify(ENTITIES["jobs"].code, 3)  # appointments read their job's state
    assert b'"unused":true' not in export_body(ds, ent, None, 500, cache)


@pytest.mark.parametrize("scale", ["tiny"])
def test_server_with_prerender_serves_the_same_bytes(dp, tmp_path: Path, monkeypatch, scale: str) -> None:
    monkeypatch.setenv("DP_SIM_PRERENDER", "on")
    try:
        client = DpClient(control.up(tmp_path, seed=42, scale=scale, which=("dispatch_pro",))["dispatch_pro"])
        done = cache_root(tmp_path / "dispatch_pro" / "cache", 42, scale) / "COMPLETE"
        deadline = time.monotonic() + 60
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert done.exists(), "the background pre-render did not finish"
        for key in ("customers", "jobs", "invoices", "calls"):
            ent = ENTITIES[key]
            assert client.get(ent.module, ent.path).content == dp.get(ent.module, ent.path).content
    finally:
        control.down(tmp_path)
