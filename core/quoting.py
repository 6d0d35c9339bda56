"""One escaping function per sink: a tenant's names and text reach SQL, SOQL, CSV, HTML and the console only
through these.

- ``sql_ident`` / ``sql_literal``: DuckDB (ANSI) identifiers and string literals.
- ``soql_literal`` / ``soql_list``: SOQL string literals, quotes and backslashes escaped as Salesforce
  documents (simple-salesforce's ``quote_soql_value``).
- ``csv_cell``: a reviewer CSV's cell, neutralised against formula injection as OWASP recommends;
  ``write_csv`` is the one writer of CSVs a person opens (every cell and header through ``csv_cell``).
  CSVs bound for Salesforce (Bulk API uploads, backups a rollback re-uploads) and dbt seeds are data, not
  reviewer files: they keep the values as they are.
- ``html_text``: text in HTML (markupsafe); ``html_table``: a frame as an HTML table, every cell escaped.
- ``markdown_text``: text inside Markdown a notebook displays (HTML-escaped, Markdown punctuation escaped).
- ``jinja_text``: text dbt renders as Jinja (yml test arguments): it renders back to itself;
  ``dbt_description``: a yml description (rendered as Jinja, then shown as Markdown by the dbt docs site).
- ``console_text``: text inside rich markup.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import escape
from rich.markup import escape as rich_escape
from simple_salesforce.format import quote_soql_value

if TYPE_CHECKING:
    import pandas as pd

# OWASP "CSV Injection", ASVS 1.2.10: cells starting with these are read as formulas by spreadsheet programs
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def sql_ident(name: str) -> str:
    """``name`` as a quoted SQL identifier (DuckDB, ANSI): ``"a""b"``."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    """``value`` as a SQL string literal: ``'O''Brien'``."""
    return "'" + str(value).replace("'", "''") + "'"


def soql_literal(value: Any) -> str:
    """``value`` as a SOQL literal; strings quoted with ``'`` and ``\\`` escaped."""
    return quote_soql_value(value)


def soql_list(values: Iterable[Any]) -> str:
    """Comma-separated SOQL literals for an ``IN (...)`` list."""
    return ", ".join(soql_literal(v) for v in values)


def csv_cell(value: Any) -> Any:
    """A cell for a CSV a person opens in a spreadsheet: text starting with a formula character gets a
    leading ``'`` (OWASP); other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every cell and column name through :func:`csv_cell`."""
    out = frame.map(csv_cell)
    out.columns = [csv_cell(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """The one writer of CSVs a person opens (reports, map diff, pre-scan, sample diff, failed rows):
    formula characters neutralised, the file created owner-only (0600, it may hold customer data)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        # RFC 4180 line ends: a cell holding a bare CR or LF is quoted, so no value starts a row of its own
        csv_frame(frame).to_csv(handle, index=False, lineterminator="\r\n")
    return path


def html_table(frame: pd.DataFrame, max_rows: int | None = None, precision: int | None = None) -> str:
    """``frame`` (its first ``max_rows``) as an HTML table; every header and cell escaped."""
    shown = frame if max_rows is None else frame.head(max_rows)
    fmt = (lambda v: f"{v:.{precision}f}") if precision is not None else None
    return shown.to_html(index=False, na_rep="", escape=True, classes="dataframe", float_format=fmt)


MARKDOWN_PUNCT = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def markdown_text(value: Any) -> str:
    """``value`` as literal text in Markdown: Markdown punctuation backslash-escaped, then HTML escaped."""
    return html_text(MARKDOWN_PUNCT.sub(r"\\\1", "" if value is None else str(value)))


def jinja_text(value: Any) -> str:
    """``value`` for a string dbt renders as Jinja: every ``{`` becomes ``{{ '{' }}``, so the text renders
    back to itself and no ``{{ ... }}``, ``{% ... %}`` or ``{# ... #}`` from the data is evaluated."""
    return str(value).replace("{", "{{ '{' }}")


def dbt_description(value: Any) -> str:
    """A dbt yml ``description`` from text that may come from the source: ``&``, ``<`` and ``>`` escaped
    (the docs site renders Markdown, where raw HTML would run), then :func:`jinja_text`."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return jinja_text(text)


def html_text(value: Any) -> str:
    """``value`` as HTML text (``<``, ``>``, ``&``, quotes escaped)."""
    return str(escape("" if value is None else value))


def console_text(value: Any) -> str:
    """``value`` safe inside rich markup (``[`` escaped)."""
    return rich_escape(str(value))
