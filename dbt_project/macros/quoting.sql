{#- The one way a value becomes a SQL string literal in this project's Jinja (a seed's picklist value, a custom
    property's name, a column name in a test): quotes doubled, as standard SQL, DuckDB and Spark (ANSI mode)
    read them. -#}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
