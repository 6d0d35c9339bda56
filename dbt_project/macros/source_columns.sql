{#- dlt creates a column only once a value for it has been seen, so a raw table may lack a column that is
    always null in a given extract. Staging selects every source column through `dp_col`, which yields a
    typed null for a column the raw table does not (yet) have instead of failing the build. -#}

{% macro dp_columns(relation) -%}
    {%- if not execute -%}{{ return(none) }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do names.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro dp_col(columns, name, data_type) -%}
    {#- Text is cleaned once, here: Unicode whitespace trimmed at both ends, empty or blank = missing (null). -#}
    {%- set sql_type = 'string' if data_type == 'varchar' else data_type -%}
    {%- if (columns is none or (name | lower) in columns) and data_type == 'varchar' -%}
        {{ clean_text('cast(' ~ adapter.quote(name) ~ ' as string)') }}
    {%- elif columns is none or (name | lower) in columns -%}
        cast({{ adapter.quote(name) }} as {{ sql_type }})
    {%- else -%}
        cast(null as {{ sql_type }})
    {%- endif -%}
{%- endmacro %}

{% macro dp_source(relation, columns) -%}
    {#- The raw table, or an empty row set when dlt has not created it (no rows of that kind extracted yet). -#}
    {%- if columns is not none and columns | length == 0 -%}
        (select 1 as _absent where 1 = 0) as absent
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
