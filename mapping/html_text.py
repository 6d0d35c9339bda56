"""Plain text from the HTML of notes and summaries, with the standard library's HTML parser.

A regular expression cannot tell a tag from text: "Keep temp <40F and check pressure >2 bar" has no tag in
it. ``html.parser`` tokenises like a browser (a ``<`` not followed by a tag name is text), decodes entities,
and lets us keep what a note means: line breaks for block tags, remote image URLs as text (inline ``data:``
images become Files, so they are dropped here).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BREAK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}
SKIP_TAGS = {"script", "style"}


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP_TAGS:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            src = (dict(attrs).get("src") or "").strip()
            if src and not src.lower().startswith("data:"):
                self.parts.append(f" [image: {src}] ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BREAK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str | None) -> str | None:
    """The text of ``html``: tags removed, entities decoded, block ends as line breaks, runs of spaces
    collapsed, ends trimmed; ``None`` for no text."""
    if html is None:
        return None
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text or None
