"""Plain text from the HTML of notes and summaries, read the way a browser reads it (WHATWG parsing).

The parser is lexbor (through selectolax), a C implementation of the WHATWG parsing algorithm
(https://html.spec.whatwg.org/multipage/parsing.html). It replaced html5lib, the pure-Python one, whose
parse took 150 µs per M-tier summary against lexbor's 22 µs: at M, int_cases_prepared (one summary per job,
read for its text and its loss) was 34 s of the transform's 61. Both parsers gave the same text for all
200,933 summaries and notes of the M tier and this module's test notes, and for all but 2 of 60,000 random
tag soups: in those two html5lib 1.1 leaves the spec, closing a comment at ``<!--`` NUL ``>`` where the spec
(a browser, lexbor) keeps it open to the end.

A browser does not show "Compressor A<B and B>C": its tokenizer reads ``<B and B>`` as a ``<b>`` tag with the
attributes ``and`` and ``b``, and shows "Compressor AC". We read notes as the browser does (the text in
Salesforce is the text the technician saw), and ``html_text_loss`` says when that reading dropped text that is
no markup an editor writes (an unknown element, unknown attributes such as ``and`` or ``&&``, a tag left open
at the end, a bogus comment): the model loads the parsed text and flags the note with its original text
(``quarantine.flagged_values``, rule ``html_text_lost``) so a person decides.

Kept: line breaks for block ends and ``<br>``, remote image URLs as ``[image: url]`` (inline ``data:`` images
become Files and are dropped here); script and style contents are not text.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

BREAK_TAGS = {"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table"}
SKIP_TAGS = {"script", "style", "template"}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What rich-text editors (ServiceTitan's note editor, TinyMCE/CKEditor defaults, pasted Office HTML) write.
EDITOR_ELEMENTS = _words(
    "a abbr address b big blockquote body br caption center cite code col colgroup dd del dfn div dl dt "
    "em figcaption figure font h1 h2 h3 h4 h5 h6 head hr html i img ins kbd li link mark meta o:p ol p "
    "pre q s samp script small span strike strong style sub sup table tbody td tfoot th thead title tr "
    "tt u ul var wbr"
)
EDITOR_ATTRIBUTES = _words(
    "align alt bgcolor border cellpadding cellspacing class color colspan dir face headers height href "
    "hspace id lang rel rowspan scope size span src start style target title type valign value vspace "
    "width"
)
_ATTR = r"""[^\s"'<>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>`=]+))?"""
_TAG_LIKE = re.compile(r"<(?:!--.*?-->|[!?/]?[^<>]*>?)", re.S)
_EDITOR_TAG = re.compile(rf"</?([a-zA-Z][a-zA-Z0-9:]*)((?:\s+{_ATTR})*)\s*/?>", re.S)
_ATTR_NAME = re.compile(rf"\s+({_ATTR})", re.S)
_SKIPPED_BLOCK = re.compile(r"<(script|style|template)\b[^>]*>.*?</\1\s*>", re.S | re.I)


@dataclass
class _Reading:
    """The parse of one note: the text shown, and the text without the image placeholders we add."""

    parts: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _read(html_text: str) -> _Reading:
    """Walk the parse of ``html_text`` (as a fragment of a ``<div>``, as an editor's body is) in document
    order. Cached: a model asks for a note's text and for its loss, one vector (2,048 rows) after the
    other."""
    first = LexborHTMLParser(html_text, is_fragment=True, fragment_tag="div").root
    reading = _Reading()
    skipping = 0
    # depth first without recursion (a note may nest thousands of tags): an element is entered, its children
    # walked, then it is left (where a block ends a line)
    stack: list[tuple[bool, LexborNode | str]] = [(True, node) for node in reversed(list(_siblings(first)))]
    while stack:
        entering, item = stack.pop()
        if not entering:
            if item in SKIP_TAGS:
                skipping = max(0, skipping - 1)
            elif not skipping and item in BREAK_TAGS:
                reading.parts.append("\n")
            continue
        name = item.tag or ""
        if name == "-text":
            if not skipping:
                reading.parts.append(item.text_content or "")
                reading.plain.append(item.text_content or "")
            continue
        if name.startswith(("_", "!")):  # a comment, a doctype
            continue
        if name in SKIP_TAGS:
            skipping += 1
        elif skipping:
            pass
        elif name == "br":
            reading.parts.append("\n")
        elif name == "img":
            src = (item.attributes.get("src") or "").strip()
            if src and not src.lower().startswith("data:"):
                reading.parts.append(f" [image: {src}] ")
        stack.append((False, name))
        stack.extend((True, child) for child in reversed(list(_siblings(item.child))))
    return reading


def _siblings(node: LexborNode | None):
    while node is not None:
        yield node
        node = node.next


def _tidy(text: str) -> str | None:
    text = text.replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ?\n ?", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text or None


def html_to_text(html_text: str | None) -> str | None:
    """The text a browser shows for ``html_text``: tags removed, entities decoded, block ends as line breaks,
    runs of spaces collapsed, ends trimmed; ``None`` for no text."""
    if html_text is None:
        return None
    if "<" not in html_text and "&" not in html_text:  # no markup, no entity: what the parser would give
        return _tidy(html_text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""))
    return _tidy("".join(_read(html_text).parts))


def _is_editor_tag(tag: str) -> bool:
    """True when ``tag`` (one ``<...>``) is a whole tag of an element and attributes an editor writes."""
    match = _EDITOR_TAG.fullmatch(tag)
    if not match or match.group(1).lower() not in EDITOR_ELEMENTS:
        return False
    names = (m.group(1).split("=")[0].strip().lower() for m in _ATTR_NAME.finditer(match.group(2)))
    return all(name in EDITOR_ATTRIBUTES or name.startswith(("data-", "aria-")) for name in names)


def _characters(text: str) -> Counter[str]:
    """The characters of ``text`` but whitespace, counted (a parser may move text, e.g. out of a table)."""
    return Counter(re.sub(r"\s+", "", text))


def html_text_loss(html_text: str | None) -> str | None:
    """Why the browser's reading of ``html_text`` drops text that is no editor markup, or ``None`` when it
    does not: the parsed text is compared with the note read with only editor markup removed (entities
    decoded, whitespace ignored), and the non-editor tags are named (at most three)."""
    if html_text is None or "<" not in html_text:
        return None  # no tag: entities decode the same way in both readings
    parsed = "".join(_read(html_text).plain)
    without_blocks = _SKIPPED_BLOCK.sub("", html_text)
    if not _characters(parsed) and _characters(html.unescape(_TAG_LIKE.sub("", html_text))):
        # the whole note is <script>/<style> text no reader sees: nothing of it loads, so a person is told
        return "an HTML5 parser (as a browser) shows nothing of this note (<script>/<style> only): not loaded"
    odd: list[str] = []

    def _strip(match: re.Match[str]) -> str:
        tag = match.group(0)
        if tag.startswith("<!--") or tag.lower().startswith(("<!doctype", "<?xml")) or _is_editor_tag(tag):
            return ""
        if re.match(r"<[a-zA-Z/!?]", tag):
            odd.append(tag)
        return tag

    expected = html.unescape(_TAG_LIKE.sub(_strip, without_blocks))
    if not _characters(expected) - _characters(parsed):
        return None
    if not odd:
        return "an HTML5 parser (as a browser) does not show part of this note's text"
    shown = ", ".join(repr(tag) for tag in odd[:3]) + (" ..." if len(odd) > 3 else "")
    return f"an HTML5 parser (as a browser) reads {shown} as markup no editor writes: that text is not shown"
