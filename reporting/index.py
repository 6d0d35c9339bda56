"""``reports/<run>/index.html``: one page per run linking every report in its folder, with the run's metadata.

Metadata comes from the ledger (read-only): the ``ledger.runs`` row (kind, target, status, times, mapping
hash, the run a rollback undoes), the approval of that mapping hash from ``ledger.approvals`` when one is
recorded, and the per object, per action counts from ``ledger.run_outcomes``. Reports are the ``*.html`` files
of the run folder (and ``<sub>/index.html`` one level down, e.g. data docs), whatever exists: prescan,
sample_diff, reconciliation, rollback, map_diff, mapping_review. Related runs (a rollback of this run, the run
a rollback undid) are linked when their folder exists. Static HTML, no script, opens offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import Dp2sfError
from core.pii import mask_text, mask_value
from core.private import write_private
from core.quoting import html_text
from core.settings import Settings
from loaders.ledger import ACTIONS

TITLES = {
    "prescan": "Pre-scan: decisions the data forces before the run",
    "sample_diff": "Sample migration: field-level diff",
    "reconciliation": "Reconciliation: source = loaded + quarantined + gates + skipped + failed",
    "rollback": "Rollback: deleted, restored, left alone",
    "map_diff": "Mapping change: what it does to the data",
    "mapping_review": "Mapping review: proposals to confirm",
    "data_docs": "Gates: Great Expectations data docs",
}
STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;
overflow-wrap:anywhere}
table{border-collapse:collapse;margin:.5em 0 1.5em;display:block;max-width:100%;overflow-x:auto}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f0f3f7}td.n{text-align:right}code{background:#f4f4f4;padding:0 3px}.muted{color:#777}"""


class ReportsIndexError(Dp2sfError):
    """The index could not be written (no such run folder)."""


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict | None:
    cur = con.execute(sql, params)
    rows = cur.fetchall()
    return dict(zip([d[0] for d in cur.description], rows[0], strict=True)) if rows else None


def run_metadata(con: duckdb.DuckDBPyConnection | None, run_id: str) -> dict:
    """``{"run": row | None, "approval": row | None, "counts": DataFrame, "children": [run ids]}``."""
    meta: dict = {"run": None, "approval": None, "counts": pd.DataFrame(), "children": []}
    if con is None or not _table_exists(con, "ledger", "runs"):
        return meta
    meta["run"] = _one(con, "select * from ledger.runs where run_id = ?", [run_id])
    if meta["run"] is None:
        return meta
    mapping_hash = meta["run"].get("mapping_hash")
    if mapping_hash and _table_exists(con, "ledger", "approvals"):
        meta["approval"] = _one(
            con,
            "select * from ledger.approvals where mapping_hash = ? order by approved_at desc limit 1",
            [mapping_hash],
        )
    long = con.execute(
        "select object_name as object, action, count(*) as n from ledger.run_outcomes "
        "where run_id = ? group by all",
        [run_id],
    ).df()
    if not long.empty:
        wide = long.pivot_table(index="object", columns="action", values="n", aggfunc="sum", fill_value=0)
        order = [a for a in ACTIONS if a in wide.columns]
        meta["counts"] = wide[order].reset_index().rename_axis(columns=None)
    meta["children"] = [
        r[0]
        for r in con.execute(
            "select run_id from ledger.runs where parent_run_id = ? order by started_at", [run_id]
        ).fetchall()
    ]
    return meta


def report_files(run_dir: Path) -> list[Path]:
    """The reports of a run folder: ``*.html`` (not the index) and ``<sub>/index.html``, sorted."""
    top = [p for p in run_dir.glob("*.html") if p.name != "index.html"]
    nested = list(run_dir.glob("*/index.html"))
    return sorted(top) + sorted(nested)


def _title(path: Path, run_dir: Path) -> str:
    if path.parent != run_dir:
        return TITLES.get(path.parent.name, f"{path.parent.name.replace('_', ' ')} (folder)")
    return TITLES.get(path.stem, path.stem.replace("_", " "))


def _rows(items: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><th>{html_text(k)}</th><td>{v}</td></tr>" for k, v in items)


def _esc(value) -> str:
    return "" if value is None else html_text(value)


def render_index(
    settings: Settings, run_id: str, meta: dict, mask_pii: bool = False, related: Sequence[str] = ()
) -> str:
    """The index page as HTML text (``related``: other run folders to link, e.g. the pre-scan's)."""
    run_dir = Path(settings.reports_dir) / run_id
    parts = [f"<h1>Run <code>{_esc(run_id)}</code></h1>"]
    run = meta["run"]
    if run is None:
        parts.append('<p class="muted">Not a ledger run (a report-only folder): no ledger metadata.</p>')
    else:
        message = mask_text(run.get("message")) if mask_pii else run.get("message")
        items = [
            ("kind", _esc(run["kind"])),
            ("target", _esc(run["target"])),
            ("status", _esc(run["status"])),
            ("started (UTC)", _esc(run["started_at"])),
            ("finished (UTC)", _esc(run["finished_at"])),
            ("mapping hash", f"<code>{_esc(run.get('mapping_hash')) or 'not recorded'}</code>"),
        ]
        if run.get("parent_run_id"):
            parent = run["parent_run_id"]
            items.append(("undoes run", _link_run(settings, parent)))
        if message:
            items.append(("message", _esc(message)))
        parts.append("<h2>Run</h2><table>" + _rows(items) + "</table>")
        parts.append(_approval_html(meta["approval"], run, mask_pii))
        parts.append(_counts_html(meta["counts"]))
        if meta["children"]:
            links = ", ".join(_link_run(settings, c) for c in meta["children"])
            parts.append(f"<h2>Later runs on this one</h2><p>{links}</p>")
    reports = report_files(run_dir)
    parts.append("<h2>Reports</h2>")
    if reports:
        parts.append("<ul>")
        for p in reports:
            rel = p.relative_to(run_dir).as_posix()
            parts.append(f'<li><a href="{html_text(rel)}">{_esc(_title(p, run_dir))}</a> '
                         f'<span class="muted">{_esc(rel)}</span></li>')  # fmt: skip
        parts.append("</ul>")
    else:
        parts.append('<p class="muted">no report rendered in this folder yet</p>')
    others = [r for r in related if (Path(settings.reports_dir) / r).is_dir()]
    if others:
        parts.append("<h2>Related report folders</h2><ul>")
        for other in others:
            for p in report_files(Path(settings.reports_dir) / other):
                rel = f"../{other}/{p.relative_to(Path(settings.reports_dir) / other).as_posix()}"
                title = _title(p, Path(settings.reports_dir) / other)
                parts.append(f'<li><a href="{html_text(rel)}">{_esc(title)}</a> '
                             f'<span class="muted">{_esc(rel)}</span></li>')  # fmt: skip
        parts.append("</ul>")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    masked = " · names, emails, phone numbers and street addresses masked" if mask_pii else ""
    parts.append(f'<p class="muted">written {stamp} by dp2sf{masked}</p>')
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>dp2sf run {_esc(run_id)}</title>'
        f"<style>{STYLE}</style></head><body>{''.join(parts)}</body></html>"
    )


def _link_run(settings: Settings, run_id: str) -> str:
    if (Path(settings.reports_dir) / run_id / "index.html").is_file() or (
        Path(settings.reports_dir) / run_id
    ).is_dir():
        return f'<a href="../{html_text(run_id)}/index.html"><code>{_esc(run_id)}</code></a>'
    return f"<code>{_esc(run_id)}</code>"


def _approval_html(approval: dict | None, run: dict, mask_pii: bool) -> str:
    if approval is None:
        why = "no mapping hash on the run" if not run.get("mapping_hash") else "no approval of this hash"
        return f'<h2>Approval</h2><p class="muted">{why} recorded in ledger.approvals</p>'
    by, reason = approval.get("approved_by"), approval.get("accepted_findings_reason")
    if mask_pii and by:
        by = mask_value(by, "email") if "@" in str(by) else mask_value(by, "name")
    items = [
        ("approved by", _esc(by)),
        ("approved at", _esc(approval.get("approved_at"))),
        ("for org", _esc(approval.get("org_id")) or "not recorded (opens no real org)"),
        ("signed via", _esc(approval.get("signed_via")) or "map approve"),
        ("sample run", _esc(approval.get("sample_run_id"))),
        ("accepted findings", _esc(mask_text(reason) if mask_pii else reason) or "none"),
    ]
    return "<h2>Approval</h2><table>" + _rows(items) + "</table>"


def _counts_html(counts: pd.DataFrame) -> str:
    if counts.empty:
        return '<h2>Records</h2><p class="muted">no operations recorded for this run</p>'
    counts = counts.fillna(0)
    total = counts.drop(columns=["object"]).sum()
    head = "".join(f"<th>{_esc(c)}</th>" for c in counts.columns)
    body = "".join(
        "<tr>" + "".join(f'<td class="n">{int(v):,}</td>' if k != "object" else f"<td>{_esc(v)}</td>"
                         for k, v in row.items()) + "</tr>"
        for _, row in counts.iterrows()
    )  # fmt: skip
    foot = "<tr><th>all</th>" + "".join(f'<th class="n">{int(v):,}</th>' for v in total) + "</tr>"
    return f"<h2>Records (ledger.run_outcomes)</h2><table><tr>{head}</tr>{body}{foot}</table>"


def write_index(settings: Settings, run_id: str, mask_pii: bool = False, related: Sequence[str] = ()) -> Path:
    """Write ``reports/<run>/index.html`` and return its path."""
    run_dir = Path(settings.reports_dir) / run_id
    if not run_dir.is_dir():
        raise ReportsIndexError(f"no report folder {run_dir}")
    db = settings.duckdb_path
    con = duckdb.connect(str(db), read_only=True) if db.is_file() else None
    try:
        meta = run_metadata(con, run_id)
    finally:
        if con is not None:
            con.close()
    return write_private(run_dir / "index.html", render_index(settings, run_id, meta, mask_pii, related))
