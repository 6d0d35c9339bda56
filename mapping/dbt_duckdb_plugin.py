"""dbt-duckdb plugin (profiles.yml ``plugins``): registers the workbench's Python functions on every
connection dbt opens, so models can call them (``dp2sf_html_to_text``, see macros/text.sql).

https://github.com/duckdb/dbt-duckdb#writing-your-own-plugins (``configure_connection``)
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from mapping.html_text import html_to_text


class Plugin(BasePlugin):
    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        # null_handling="special": the function sees NULL and may return it (a note that is only a <script>
        # has no text); with DuckDB's default a NULL result aborts the whole model (issue 18)
        conn.create_function(
            "dp2sf_html_to_text",
            html_to_text,
            ["VARCHAR"],
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )
