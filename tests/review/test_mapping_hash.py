"""The mapping hash follows every file that decides the data, and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.mapping_hash import PARTS, mapping_hash
from core.settings import PROJECT_DIR, Settings


def _copy_project(tmp_path: Path) -> Settings:
    for part in PARTS:
        src, dst = PROJECT_DIR / part, tmp_path / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("target", "logs", "__pycache__"))
        else:
            shutil.copy2(src, dst)
    return Settings(project_dir=tmp_path, build_dir=tmp_path / "build")


def test_hash_is_stable_and_changes_with_a_seed_a_model_the_manifest_and_the_invoice_mode(tmp_path):
    settings = _copy_project(tmp_path)
    base = mapping_hash(settings)
    assert base == mapping_hash(settings)
    assert mapping_hash(settings, invoices="order") != base
    assert mapping_hash(settings, person_accounts=True) != base  # the Person Account shape (issue 20)

    seed = next((tmp_path / "dbt_project/seeds").rglob("*.csv"))
    original = seed.read_bytes()
    seed.write_bytes(original + b"x")
    assert mapping_hash(settings) != base
    seed.write_bytes(original)
    assert mapping_hash(settings) == base

    model = next((tmp_path / "dbt_project/models/marts").rglob("*.sql"))
    model.write_text(model.read_text() + "\n-- changed\n")
    changed_model = mapping_hash(settings)
    assert changed_model != base

    (tmp_path / "build").mkdir()
    (tmp_path / "build/manifest.csv").write_text("object,field\nCase,Serial_Number__c\n")
    assert mapping_hash(settings) != changed_model
