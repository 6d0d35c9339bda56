"""Shared fixtures: the sandbox servers over real HTTP(S), the optional ../shared reference, and the
builds made once per test run for every xdist worker (the tiny tier, the transformed fixture DB; see
tests/build_cache.py)."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from core.settings import Settings, get_settings
from mapping.schema_deploy import deploy_to_sandbox
from mapping.transform import TransformResult
from sandbox import control
from tests.build_cache import build_once, copy_build
from tests.loader.helpers import Admin, fresh_workspace
from tests.mapping.fixture_db import build_fixture_db

PROJECT_DIR = Path(__file__).resolve().parent.parent
SHARED_REFERENCE = PROJECT_DIR.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """``../shared/reference``; tests that compare against it skip cleanly when it is absent."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip("../shared/reference is absent (fresh clone without the shared folder)")
    return SHARED_REFERENCE


def start_sandbox(state_dir: Path, which: tuple[str, ...], seed: int = 42, scale: str = "tiny") -> dict:
    """Start the named sandbox servers in ``state_dir``; the caller stops them with ``control.down``."""
    return control.up(state_dir, seed=seed, scale=scale, which=which)


@pytest.fixture(scope="session")
def dispatch_pro_endpoints(tmp_path_factory) -> dict:
    """A Dispatch Pro simulator (seed 42, tiny) shared by the session; tests must not mutate it."""
    state = tmp_path_factory.mktemp("sandbox_dp")
    yield start_sandbox(state, ("dispatch_pro",))["dispatch_pro"]
    control.down(state)


@pytest.fixture(scope="session")
def salesforce_endpoints(tmp_path_factory) -> dict:
    """A Salesforce sandbox org shared by the session; tests that change it use their own records."""
    state = tmp_path_factory.mktemp("sandbox_sf")
    yield start_sandbox(state, ("salesforce",))["salesforce"]
    control.down(state)


# -- the tiny tier, built once per test run and shared by the workers (tests/build_cache.py) -------------
def tiny_settings(base: Path, **overrides) -> Settings:
    """Settings with every folder under ``base`` (sandbox, data, build, reports), chunks of 400 rows."""
    dirs = {f"{name}_dir": base / name for name in ("sandbox", "data", "build", "reports")}
    return get_settings(**{**dirs, "load_chunk_rows": 400, **overrides})


def _build_tiny(root: Path) -> None:
    """sandbox up → extract → inventory → schema deploy → transform (tiny tier, seed 42); sandbox down."""
    from dlt_pipelines.pipeline import run_extract
    from mapping.inventory import run_inventory
    from mapping.transform import run_transform

    settings = tiny_settings(root)
    control.up(settings.sandbox_dir, seed=42, scale="tiny")
    try:
        run_extract(settings, full=True, console=Console(quiet=True))
        run_inventory(settings)
        deploy_to_sandbox(settings)
        run_transform(settings, docs=False)
    finally:
        control.down(settings.sandbox_dir)


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> Path:
    """The tiny tier's ``data/`` and ``build/``, built once per run for every worker: copy, never write."""
    return build_once(tmp_path_factory, "tiny", _build_tiny)


def start_tiny_copy(tiny: Path, base: Path, **overrides) -> Settings:
    """A private copy of the tiny build's ``data/`` and ``build/`` under ``base``, with its own sandbox
    (simulator and org, seed 42) up and the schema deployed; the caller stops it with ``control.down``."""
    settings = tiny_settings(base, **overrides)
    copy_build(tiny / "data", settings.data_dir)
    copy_build(tiny / "build", settings.build_dir)
    control.up(settings.sandbox_dir, seed=42, scale="tiny")
    try:
        deploy_to_sandbox(settings)
    except BaseException:
        control.down(settings.sandbox_dir)
        raise
    return settings


@pytest.fixture(scope="session")
def built(tiny_build: Path, tmp_path_factory) -> Settings:
    """The tiny tier (sandbox up → extract → inventory → schema deploy → transform, seed 42) for this
    worker: a copy of the shared build with the worker's own simulator and org (schema deployed). Read
    it; a test that writes takes a copy (``workspace``, ``tests.build_cache.private_copy``)."""
    settings = start_tiny_copy(tiny_build, tmp_path_factory.mktemp("loader_build"))
    try:
        yield settings
    finally:
        control.down(settings.sandbox_dir)


@pytest.fixture()
def workspace(built: Settings, tmp_path: Path) -> Settings:
    return fresh_workspace(built, tmp_path)


@pytest.fixture()
def admin(built: Settings) -> Admin:
    return Admin.of(built.sandbox_dir)


# -- the mapping's fixture raw DB (tests/mapping/fixture_db.py) transformed once per run --------------------
def _build_fixture_transform(root: Path) -> None:
    from mapping.transform import run_transform

    settings = get_settings(data_dir=root / "data", build_dir=root / "build")
    build_fixture_db(settings.duckdb_path)
    result = run_transform(settings, docs=False)
    (root / "result.pickle").write_bytes(pickle.dumps(result))


@pytest.fixture(scope="session")
def fixture_transform(tmp_path_factory) -> Path:
    """``dp2sf transform`` (custom invoices, no docs) of the fixture raw DB, once per run: copy it."""
    return build_once(tmp_path_factory, "fixture_transform", _build_fixture_transform)


def transformed_copy(fixture_transform: Path, base: Path) -> tuple[TransformResult, Settings]:
    """A private copy of the transformed fixture DB and its build dir under ``base``, and the transform's
    result pointing at the copy (as if the transform had run there)."""
    settings = get_settings(data_dir=base / "data", build_dir=base / "build")
    copy_build(fixture_transform / "data", settings.data_dir)
    copy_build(fixture_transform / "build", settings.build_dir)
    result: TransformResult = pickle.loads((fixture_transform / "result.pickle").read_bytes())
    lineage = settings.build_dir / "lineage.csv" if result.lineage_path else None
    return replace(result, duckdb_path=settings.duckdb_path, lineage_path=lineage), settings


# -- the order xdist hands modules out (make test: -n 2 --dist loadfile --no-loadscope-reorder) ------------
# One module goes to one worker (--dist loadfile), so its module fixtures are built once. (`xdist_group`
# marks no longer group anything with pytest >= 9.2: xdist 3.8 renames the node id, which pytest 9.2 no
# longer reads, https://github.com/pytest-dev/pytest-xdist/issues/1386.)
SHARED_SCOPES = ("module", "class", "package")


def _shares_a_fixture(item: pytest.Item) -> bool:
    """The test uses a module-, class- or package-scoped fixture (a build, a load, a started org ...)."""
    info = getattr(item, "_fixtureinfo", None)
    defs = info.name2fixturedefs.values() if info is not None else ()
    return any(d.scope in SHARED_SCOPES for chain in defs for d in chain)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules longest first, so no long module starts last while the other worker idles: the modules with
    the most tests marked ``slow`` first, then those sharing a module fixture, then the rest; the order
    inside a module is kept (``--no-loadscope-reorder`` keeps this order; xdist's own puts the modules with
    the most tests first, whatever they cost)."""
    slow: dict[str, int] = {}
    shares: dict[str, bool] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        slow[module] = slow.get(module, 0) + bool(item.get_closest_marker("slow"))
        shares[module] = shares.get(module, False) or _shares_a_fixture(item)

    def rank(item: pytest.Item) -> tuple[int, int]:
        module = item.nodeid.split("::", 1)[0]
        return (0 if slow[module] else 1 if shares[module] else 2, -slow[module])

    items.sort(key=rank)
