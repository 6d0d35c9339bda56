"""dbt-duckdb plugin (profiles.yml ``plugins``): registers the workbench's Python functions on every
connection dbt opens, so models can call them (``dp2sf_html_to_text``, ``dp2sf_html_text_loss``, see
macros/text.sql).

https://github.com/duckdb/dbt-duckdb#writing-your-own-plugins (``configure_connection``)
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from mapping.html_text import html_text_loss, html_to_text


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        functions = {"dp2sf_html_to_text": html_to_text, "dp2sf_html_text_loss": html_text_loss}
        for name, function in functions.items():
            # "special": the functions take and return NULL themselves (no text; nothing lost)
            conn.create_function(
                name, function, ["VARCHAR"], "VARCHAR", null_handling="special", side_effects=False
            )
