"""Reading a report the way a browser does (html5lib, WHATWG parsing) and listing what came from the data
and would run.

Every hostile value that could run carries a marker (``alert(``, ``document.cookie``, ``evil.example``), so
an element or attribute holding one came from the data: a report's own template (nbconvert's scripts, the
matplotlib PNGs, Great Expectations' Data Docs) never does.
"""

from __future__ import annotations

import html5lib

MARKERS = ("alert(", "document.cookie", "evil.example")
LIVE_TAGS = {
    "script", "iframe", "object", "embed", "img", "svg", "video", "audio", "form", "base", "link", "a",
}  # fmt: skip


def _marked(text: str) -> bool:
    return any(m in text for m in MARKERS)


def live_elements(html: str) -> list[str]:
    """Elements a browser would act on, and ``on*``/``javascript:`` attributes, carrying a data marker."""
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        for name, value in el.attrib.items():
            live = name.lower().startswith("on") or "javascript:" in str(value).lower().replace(" ", "")
            if live and _marked(str(value)):
                found.append(f"<{tag} {name}={str(value)[:60]!r}>")
        if tag in LIVE_TAGS and _marked((el.text or "") + " ".join(str(v) for v in el.attrib.values())):
            found.append(f"<{tag} {str(dict(el.attrib))[:80]}>")
    return found
