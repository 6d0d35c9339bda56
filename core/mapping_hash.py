"""The mapping hash: one value that changes whenever anything that decides what reaches Salesforce changes.

It covers the dbt models and macros (the SQL the marts compile from), the seeds (field list, value maps,
declarations), the Python UDFs the models call, the custom-field manifest (`build/manifest.csv`) and the
invoice mode and the Person Account shape. An approval pins this hash; the sample run and every load
record it in `ledger.runs`.
Hashing the sources rather than dbt's compiled SQL needs no dbt run and is conservative: an edit that
cannot change the data (a comment) also asks for a new approval.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from core.settings import Settings

PARTS = (
    "dbt_project/dbt_project.yml",
    "dbt_project/models",
    "dbt_project/macros",
    "dbt_project/seeds",
    "mapping/html_text.py",
    "mapping/dbt_duckdb_plugin.py",
)
SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".py"}


def mapping_files(settings: Settings) -> list[Path]:
    """Every file that takes part in the hash, in a stable order (the manifest last, when it exists)."""
    files: list[Path] = []
    for part in PARTS:
        path = settings.project_dir / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    manifest = settings.build_dir / "manifest.csv"
    if manifest.is_file():
        files.append(manifest)
    return files


def mapping_hash(settings: Settings, invoices: str = "custom", person_accounts: bool = False) -> str:
    """sha256 (hex) over the path and bytes of every mapping file, plus the invoice mode, the source
    locale and the Person Account shape (build options that change what reaches Salesforce)."""
    options = f"invoices={invoices}\nsource_locale={settings.source_locale}\n"
    if person_accounts:  # the plain shape hashes as before issue 20
        options += "person_accounts=true\n"
    digest = hashlib.sha256(options.encode())
    manifest = settings.build_dir / "manifest.csv"
    for path in mapping_files(settings):
        # the manifest is named as it is in any build folder (a sample's build folder holds a copy)
        name = "build/manifest.csv" if path == manifest else path.relative_to(settings.project_dir).as_posix()
        data = path.read_bytes()
        digest.update(f"{name}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()
