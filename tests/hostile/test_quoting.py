"""One escaping function per sink (``core.quoting``), each tried with the hostile corpus."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from rich.console import Console

from core.quoting import (
    console_text,
    csv_cell,
    html_table,
    jinja_text,
    markdown_text,
    soql_literal,
    write_csv,
)
from tests.hostile import corpus
from tests.hostile.html_check import live_elements


@pytest.mark.parametrize("value", corpus.FORMULAS)
def test_a_reviewer_csv_starts_no_cell_with_a_formula_character(value, tmp_path) -> None:
    path = write_csv(pd.DataFrame({value: [value, "plain", 3, None]}), tmp_path / "x.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    cells = [c for row in rows for c in row]
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r", "\0")) for c in cells), cells
    assert rows[1][0] == "'" + value  # the value itself is kept, neutralised
    assert rows[2][0] == "plain" and rows[3][0] == "3"
    assert path.stat().st_mode & 0o777 == 0o600


def test_csv_cell_leaves_numbers_and_plain_text() -> None:
    assert csv_cell(-5) == -5 and csv_cell("Main St") == "Main St" and csv_cell(None) is None


def test_soql_literal_escapes_quotes_and_backslashes() -> None:
    assert soql_literal(corpus.OBRIEN) == "'O\\'Brien\\\\'"
    assert soql_literal("a\nb") == "'a\\nb'"


@pytest.mark.parametrize("name", sorted(corpus.TEXTS))
def test_jinja_text_renders_back_to_itself_through_dbts_jinja(name, monkeypatch) -> None:
    from dbt.clients.jinja import get_rendered

    monkeypatch.setenv(corpus.SECRET_ENV, corpus.SECRET)
    monkeypatch.setenv("SF_ACCESS_TOKEN", corpus.SECRET)
    value = corpus.TEXTS[name]
    context = {"env_var": lambda k, d=None: corpus.SECRET}
    assert get_rendered(value, context) != value or "{" not in value  # the attack works unescaped
    rendered = get_rendered(jinja_text(value), context)
    assert rendered == value and corpus.SECRET not in rendered


@pytest.mark.parametrize("name", sorted(corpus.TEXTS))
def test_html_table_makes_no_live_element(name) -> None:
    value = corpus.TEXTS[name]
    html = html_table(pd.DataFrame({value: [value, corpus.IMG, corpus.SCRIPT]}))
    assert live_elements(html) == []


def test_markdown_text_shows_the_text_and_runs_nothing() -> None:
    from nbconvert.filters.markdown import markdown2html  # what renders a notebook's Markdown output

    for value in (corpus.IMG, corpus.SCRIPT, corpus.MARKDOWN, corpus.ATTR):
        html = markdown2html(markdown_text(value))
        assert live_elements(html) == [] and "<a " not in html and "<strong>" not in html, html


def test_console_text_prints_rich_markup_as_text() -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(f"[yellow]unmapped custom property[/] {console_text(corpus.RICH)}")
    assert corpus.RICH in console.file.getvalue()
