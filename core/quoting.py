"""One escaping function per sink: a tenant's names and text reach SQL, SOQL, CSV, HTML and the console only
through these.

- ``sql_ident`` / ``sql_literal``: DuckDB (ANSI) identifiers and string literals.
- ``soql_literal`` / ``soql_list``: SOQL string literals, quotes and backslashes escaped as Salesforce
  documents (simple-salesforce's ``quote_soql_value``).
- ``csv_cell``: a reviewer CSV's cell, neutralised against formula injection as OWASP recommends.
- ``html_text``: text in HTML (markupsafe).
- ``console_text``: text inside rich markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markupsafe import escape
from rich.markup import escape as rich_escape
from simple_salesforce.format import quote_soql_value

# OWASP "CSV Injection": cells starting with these are read as formulas by spreadsheet programs
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def html_text(value: Any) -> str:
    """``value`` as HTML text (``<``, ``>``, ``&``, quotes escaped)."""
    return str(escape("" if value is None else value))


def console_text(value: Any) -> str:
    """``value`` safe inside rich markup (``[`` escaped)."""
    return rich_escape(str(value))
