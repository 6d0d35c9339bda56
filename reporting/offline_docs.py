"""Great Expectations Data Docs made readable offline, and our own static index for them.

GX's Data Docs load jQuery, Bootstrap, bootstrap-table and Vega from CDNs; offline the index page is empty
(its tables are filled by bootstrap-table). This rewrites a published ``data_docs/`` folder in place: every
page loses its scripts, stylesheets and images from the internet (the content of the suite and validation
pages is static HTML and stays), gets a small local stylesheet that fits a laptop width, and ``index.html``
becomes a static page linking each object's validation result and suite.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

REMOTE_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[\"']https?://[^>]*>\s*</script>", re.I | re.S)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>.*?</script>", re.I | re.S)
REMOTE_LINK = re.compile(r"<link\b[^>]*\bhref=[\"']https?://[^>]*>", re.I | re.S)
REMOTE_IMG = re.compile(
    r"<img\b[^>]*\bsrc=[\"']https?://[^>]*>", re.I | re.S
)  # GX's logo, with a tracking id
STYLE = """<style id="dp2sf-offline">body{font-family:system-ui,sans-serif;margin:1em auto;max-width:1100px;
padding:0 1em;color:#222;overflow-wrap:anywhere}table{border-collapse:collapse;display:block;max-width:100%;
overflow-x:auto}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f7}img,svg,pre{max-width:100%}pre{white-space:pre-wrap}.muted{color:#777}
.container,.container-fluid,.row,[class*=col-]{max-width:100%}</style>"""


def strip_remote(text: str) -> str:
    """A page without scripts (remote or inline: the inline ones only drive the remote libraries) and without
    remote stylesheets, with the local stylesheet."""
    text = REMOTE_SCRIPT.sub("", text)
    text = INLINE_SCRIPT.sub("", text)
    text = REMOTE_LINK.sub("", text)
    text = REMOTE_IMG.sub("", text)
    if 'id="dp2sf-offline"' not in text:
        text = re.sub(r"</head>", STYLE + "</head>", text, count=1, flags=re.I) if "</head>" in text.lower() \
            else STYLE + text  # fmt: skip
    return text


def index_page(folder: Path) -> str:
    """Our static index: per object, its latest validation result and its suite."""
    results = sorted(folder.glob("validations/*/**/*.html"))
    suites = {p.stem: p for p in folder.glob("expectations/*.html")}
    rows = []
    for obj in sorted({p.relative_to(folder / "validations").parts[0] for p in results} | set(suites)):
        mine = [p for p in results if p.relative_to(folder / "validations").parts[0] == obj]
        result = (
            f'<a href="{html.escape(mine[-1].relative_to(folder).as_posix())}">result</a>' if mine else "-"
        )
        suite = (f'<a href="{html.escape(suites[obj].relative_to(folder).as_posix())}">suite</a>'
                 if obj in suites else "-")  # fmt: skip
        rows.append(f"<tr><td>{html.escape(obj)}</td><td>{result}</td><td>{suite}</td></tr>")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Gates: data docs</title>'
        f"{STYLE}</head><body><h1>Gates: Great Expectations data docs</h1>"
        '<p class="muted">One checkpoint per Salesforce object, its rules generated from the org\'s '
        "describe. Rows a rule refuses are held back in <code>gates.gates_all</code>.</p>"
        "<table><tr><th>object</th><th>validation result</th><th>expectation suite</th></tr>"
        f"{''.join(rows)}</table></body></html>"
    )


def make_offline(folder: Path) -> Path | None:
    """Rewrite ``folder`` (a published ``data_docs/``) to open offline; returns its index, or ``None`` when
    there is no such folder."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for page in folder.rglob("*.html"):
        page.write_text(strip_remote(page.read_text(encoding="utf-8")), encoding="utf-8")
    index = folder / "index.html"
    index.write_text(index_page(folder), encoding="utf-8")
    return index
