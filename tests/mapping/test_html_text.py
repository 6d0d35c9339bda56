"""html_to_text (mapping/html_text.py, the Python UDF the dbt models call on DuckDB) on awkward notes."""

from __future__ import annotations

import pytest

from mapping.html_text import html_to_text

CORPUS = [
    ("Keep temp <40F and check pressure >2 bar, ok", "Keep temp <40F and check pressure >2 bar, ok"),
    ("x < y > z", "x < y > z"),
    ("temp<40F", "temp<40F"),
    ("<p>Replace <b>boiler</b> &amp; test</p>", "Replace boiler & test"),
    ('<p>Photo</p><img src="data:image/png;base64,aGVsbG8=">', "Photo"),  # inline images become Files
    (
        'See <img src="https://cdn.example.test/a.png" alt="a"> here',
        "See [image: https://cdn.example.test/a.png] here",
    ),
    ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
    ("<ul><li>one</li><li>two</li></ul>", "one\ntwo"),
    ("5 &lt; 6 &nbsp; &#39;quoted&#39; &quot;too&quot;", "5 < 6 'quoted' \"too\""),
    ("Unclosed <b>bold", "Unclosed bold"),
    ("<script>alert(1)</script>Safe", "Safe"),
    ("Søren said: “fine” — 100 %", "Søren said: “fine” — 100 %"),
    ("<p> </p>", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("html", "text"), CORPUS)
def test_html_to_text_keeps_what_the_note_says(html: str | None, text: str | None) -> None:
    assert html_to_text(html) == text
