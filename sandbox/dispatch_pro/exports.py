"""The customer's Dispatch Pro export folder, as the simulated tenant would hand it over.

ServiceTitan's public API has no path for Dispatch Pro's own data, so the simulator does not serve it; it
writes it to a folder instead, in the layout the extract reads for a real tenant
(``dlt_pipelines/dispatch_pro/exports.py``):

- ``playbooks.json`` and ``dashboards.json``: ``{"data": [...]}``, every record (active or not);
- ``job_dispatch_metadata.jsonl``: one record a line per job (SLA due date, auto-dispatch and optimizer
  score, technician lock, dispatch zone), as of the time of writing (admin changes included);
- ``signatures/<fileName>``: the forms export's signature images that never became job attachments, named
  by the form attachment's ``fileName`` (``records_forms.signature_exported``);
- ``manifest.json``: seed, scale, written-at and record counts.

Written to a temporary folder and renamed into place, so a reader never sees half an export.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson

from .dataset import Dataset
from .entities import ENTITIES
from .records import SIGNATURES, rid
from .records_forms import signature_exported, signature_file_name, signature_png

EXPORT_TABLES = ("playbooks", "dashboards", "job_dispatch_metadata")
JSONL_TABLES = ("job_dispatch_metadata",)
SIGNATURES_FOLDER = "signatures"


def write_exports(ds: Dataset, folder: Path) -> dict[str, int]:
    """Write the export folder for ``ds`` (replacing an older one); returns records per table."""
    folder = Path(folder)
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    counts: dict[str, int] = {}
    for table in EXPORT_TABLES:
        ent = ENTITIES[table]
        n = 0
        if table in JSONL_TABLES:
            with (tmp / f"{table}.jsonl").open("wb") as out:
                for record in ent.iter_all(ds):
                    out.write(orjson.dumps(record) + b"\n")
                    n += 1
        else:
            records = list(ent.iter_all(ds))
            (tmp / f"{table}.json").write_bytes(orjson.dumps({"data": records}))
            n = len(records)
        counts[table] = n
    signatures = tmp / SIGNATURES_FOLDER
    signatures.mkdir()
    exported = [s for s in range(len(ds.sk.signature_jobs)) if signature_exported(s)]
    for s in exported:
        (signatures / signature_file_name(ds, s)).write_bytes(signature_png(ds.seed, rid(SIGNATURES, s)))
    counts[SIGNATURES_FOLDER] = len(exported)
    manifest = {
        "seed": ds.seed,
        "scale": ds.scale_name,
        "written_at": datetime.now(UTC).isoformat(),
        "records": counts,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return counts
