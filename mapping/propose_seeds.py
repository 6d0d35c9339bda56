"""The review status of the seed rows a person decides: ``custom_fields.csv`` and the ``map_*.csv`` maps.

Each of these seeds ends with a ``status`` column: ``approved`` (a person confirmed the row) or ``proposed``
(written by ``dp2sf map propose``, waiting for a decision). The models read proposed rows like approved
ones, so the sample migration and ``dp2sf map diff`` show what a proposal does; ``dp2sf map approve`` refuses
while any row is ``proposed``, and the load gate refuses a real-org load until the mapping hash is approved.

``ensure_status_column`` adds the column where it is missing (every existing row ``approved``); it is
idempotent, so it can be re-run after a merge brings seed rows without it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from core.errors import Dp2sfError

STATUS = "status"
APPROVED = "approved"
PROPOSED = "proposed"
STATUSES = (APPROVED, PROPOSED)


class SeedStatusError(Dp2sfError, ValueError):
    """A reviewed seed has a status other than approved|proposed."""


@dataclass(frozen=True)
class ProposedRow:
    """A seed row still waiting for a decision."""

    seed: str
    line: int
    row: dict[str, str]


def reviewed_seeds(seeds_dir: Path) -> list[Path]:
    """The seeds whose rows carry a review status: custom_fields.csv and every map_*.csv."""
    found = [seeds_dir / "custom_fields.csv"] if (seeds_dir / "custom_fields.csv").is_file() else []
    return found + sorted(seeds_dir.glob("map_*.csv"))


def read_seed(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a seed CSV."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _records(text: str) -> list[str]:
    """The physical text of each CSV record (a quoted value may span lines), line end included."""
    records, buffer = [], ""
    for line in text.splitlines(keepends=True):
        buffer += line
        if buffer.count('"') % 2 == 0:  # quotes inside values are doubled: an even count closes the record
            records.append(buffer)
            buffer = ""
    if buffer:
        records.append(buffer)
    return records


def _with_status(record: str, value: str) -> str:
    body = record.rstrip("\r\n")
    return f"{body},{value}{record[len(body) :] or chr(10)}"


def _fill_blank(record: str, columns: int) -> str:
    """A record with an empty or missing trailing status (a row merged in from a branch without the column),
    marked approved; the line end is kept."""
    if not record.strip():
        return record
    fields = next(csv.reader(io.StringIO(record)))
    body = record.rstrip("\r\n")
    if len(fields) == columns - 1:
        return _with_status(record, APPROVED)
    return f"{body}{APPROVED}{record[len(body) :]}" if fields[-1] == "" and body.endswith(",") else record


def ensure_status_column(seeds_dir: Path) -> list[Path]:
    """Give every reviewed seed a trailing ``status`` column, every existing row ``approved`` (a blank status
    too); returns the files changed. Idempotent; edits the text in place, so quoting and notes stay as
    written and a merge conflicts only where rows really differ."""
    changed = []
    for path in reviewed_seeds(seeds_dir):
        header, _ = read_seed(path)
        records = _records(path.read_text(encoding="utf-8"))
        if not records:
            continue
        if STATUS not in header:
            out = [_with_status(records[0], STATUS)]
            out += [_with_status(r, APPROVED) if r.strip() else r for r in records[1:]]
        elif header[-1] == STATUS:
            out = records[:1] + [_fill_blank(r, len(header)) for r in records[1:]]
        else:
            raise SeedStatusError(f"{path}: the {STATUS!r} column must be the last column")
        text = "".join(out)
        if text != "".join(records):
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def proposed_rows(seeds_dir: Path) -> list[ProposedRow]:
    """Every row of a reviewed seed that is not approved yet; raises on a status that is neither."""
    pending = []
    for path in reviewed_seeds(seeds_dir):
        _, rows = read_seed(path)
        for i, row in enumerate(rows, start=2):
            status = (row.get(STATUS) or APPROVED).strip()
            if status not in STATUSES:
                raise SeedStatusError(f"{path}:{i}: status {status!r} is not one of {', '.join(STATUSES)}")
            if status == PROPOSED:
                pending.append(ProposedRow(path.name, i, row))
    return pending


def append_proposals(path: Path, key: list[str], rows: list[dict[str, str]]) -> int:
    """Append ``rows`` (marked proposed; columns the seed lacks dropped) to a seed, skipping any whose ``key``
    columns match an existing row; returns how many were added. The existing text is kept as written."""
    ensure_status_column(path.parent)
    header, existing = read_seed(path)
    seen = {tuple(r.get(k, "") for k in key) for r in existing}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    added = 0
    for row in rows:
        k = tuple(row.get(c, "") for c in key)
        if k in seen:
            continue
        seen.add(k)
        writer.writerow({**{h: row.get(h) or "" for h in header}, STATUS: PROPOSED})
        added += 1
    if added:
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + out.getvalue(), encoding="utf-8")
    return added


if __name__ == "__main__":  # `python -m mapping.propose_seeds`: add the column after a merge (idempotent)
    from core.settings import get_settings

    for changed in ensure_status_column(get_settings().project_dir / "dbt_project" / "seeds"):
        print(f"status column added or filled: {changed}")
