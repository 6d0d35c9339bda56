{#- Engine-specific SQL behind adapter.dispatch (issue 22): the DuckDB form here as duckdb__ (or default__), the
    Spark SQL form as spark__, so the same models build on both. Spark runs in ANSI mode with double-quoted
    identifiers and raw string literals (mapping/spark_engine.py), so most SQL needs no macro; what is left:
    functions with other names, set-returning functions, and dbt built-ins whose Spark form differs. -#}

{% macro seed_position() -%}
    {#- The row's position in its seed table (the order of the CSV), for ordering the field list. -#}
    {{ return(adapter.dispatch('seed_position', 'dp2sf')()) }}
{%- endmacro %}

{% macro duckdb__seed_position() -%}
    rowid
{%- endmacro %}

{% macro spark__seed_position() -%}
    {#- a seed is one small insert, read back in file order: increasing ids in CSV order -#}
    monotonically_increasing_id()
{%- endmacro %}

{% macro sha256_hex(expr) -%}
    {#- SHA-256 of a string or binary value, as lower-case hex. -#}
    {{ return(adapter.dispatch('sha256_hex', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro spark__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}

{% macro base64_decode(expr) -%}
    {#- The bytes a base64 text encodes. -#}
    {{ return(adapter.dispatch('base64_decode', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__base64_decode(expr) -%}
    from_base64({{ expr }})
{%- endmacro %}

{% macro spark__base64_decode(expr) -%}
    unbase64({{ expr }})
{%- endmacro %}

{% macro utf8_length(expr) -%}
    {#- The length of a text in bytes (UTF-8). -#}
    {{ return(adapter.dispatch('utf8_length', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__utf8_length(expr) -%}
    strlen({{ expr }})
{%- endmacro %}

{% macro spark__utf8_length(expr) -%}
    octet_length({{ expr }})
{%- endmacro %}

{% macro regexp_matches_list(expr, pattern) -%}
    {#- Every match of ``pattern`` (no groups) in ``expr``, as a list in order. -#}
    {{ return(adapter.dispatch('regexp_matches_list', 'dp2sf')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_matches_list(expr, pattern) -%}
    regexp_extract_all({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regexp_matches_list(expr, pattern) -%}
    regexp_extract_all({{ expr }}, '{{ pattern }}', 0)
{%- endmacro %}

{% macro unnest_numbered(list_expr, number_column, value_column) -%}
    {#- Select-list entries: one row per item of ``list_expr``, its position (from 1) and the item. -#}
    {{ return(adapter.dispatch('unnest_numbered', 'dp2sf')(list_expr, number_column, value_column)) }}
{%- endmacro %}

{% macro duckdb__unnest_numbered(list_expr, number_column, value_column) -%}
    unnest(range(1, len({{ list_expr }}) + 1)) as {{ number_column }},
    unnest({{ list_expr }}) as {{ value_column }}
{%- endmacro %}

{% macro spark__unnest_numbered(list_expr, number_column, value_column) -%}
    inline(transform({{ list_expr }}, (item, i) -> named_struct(
        '{{ number_column }}', cast(i + 1 as bigint), '{{ value_column }}', item
    ))) as ({{ number_column }}, {{ value_column }})
{%- endmacro %}

{#- dbt built-ins whose dbt-spark form does not do what the models need -#}

{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {#- dbt-spark's listagg drops the order (collect_list) and gives '' for no values; Spark 4's own listagg
        keeps both like DuckDB's string_agg (https://spark.apache.org/docs/latest/api/sql/#listagg) -#}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with a limit is not used by this project on Spark") }}
    {%- endif -%}
    listagg({{ measure }}, {{ delimiter_text }})
    {%- if order_by_clause %} within group ({{ order_by_clause }}){% endif -%}
{%- endmacro %}

{% macro spark__cast(field, type) -%}
    {#- the contracts name text columns varchar (DuckDB); Spark wants string (varchar needs a length) -#}
    cast({{ field }} as {{ 'string' if type | trim | lower == 'varchar' else type }})
{%- endmacro %}

{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    {#- dbt-spark's form escapes the delimiter for a regular expression, which the raw string literals of this
        session keep as written; Spark's own split_part takes the delimiter as plain text, like DuckDB's -#}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
