"""dbt's parse, shared by every build of this project: a new build folder starts from the last parse.

dbt keeps its parsed project in ``<target>/partial_parse.msgpack`` and reuses it when nothing that shaped it
changed (project files by checksum, ``--vars``, the profile's connection values, env vars the project reads,
the dbt version), else it parses again (https://docs.getdbt.com/reference/parsing#partial-parsing). Every
``dp2sf transform`` with its own ``build_dir`` (a sample, a test, a worker) has an empty target folder, so dbt
parsed the whole project again (about 5 CPU seconds). Here the last parse of this project is kept per vars in
``dbt_project/target/parse_cache/`` (git-ignored, removed by ``dbt clean``) and copied into an empty target
folder before dbt starts; dbt still checks it and parses again whatever differs.

The profile's DuckDB path is one of the values dbt checks, so :func:`mapping.transform.run_dbt` runs dbt in
the DuckDB file's folder with the file's bare name: the same value for every build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from core.fields import DBT_DIR

PARSE_FILE = "partial_parse.msgpack"
CACHE_DIR = DBT_DIR / "target" / "parse_cache"


def _cached(key: str) -> Path:
    return CACHE_DIR / f"{key}.msgpack"


def seed_parse(target: Path, key: str) -> bool:
    """Copy the kept parse for ``key`` into an empty ``target``; True when one was copied."""
    dest = target / PARSE_FILE
    if dest.exists() or not _cached(key).is_file():
        return False
    target.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # a missing or unreadable cache only costs a full parse
        shutil.copyfile(_cached(key), dest)
        return True
    return False


def keep_parse(target: Path, key: str) -> None:
    """Keep ``target``'s parse as the one for ``key`` (atomic: parallel builds never read half a file)."""
    source = target / PARSE_FILE
    if not source.is_file():
        return
    with contextlib.suppress(OSError):  # a read-only checkout: builds just parse in full
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=CACHE_DIR, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out)
            os.replace(tmp, _cached(key))
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
