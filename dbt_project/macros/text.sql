{#- Text helpers shared by the staging and intermediate models. -#}

{% macro html_to_text(expr) -%}
    {#- Plain text from HTML: inline images dropped (they become Files), remote image URLs kept as text,
        <br>/<p>/<div>/<li> become line breaks, other tags removed, entities decoded, runs of spaces collapsed,
        ends trimmed. On DuckDB a real HTML parser (Python html.parser, mapping/html_text.py, registered by
        the dbt-duckdb plugin in profiles.yml): a "<" that starts no tag ("temp <40F") is text. -#}
    {{ return(adapter.dispatch('html_to_text', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__html_to_text(expr) -%}
    dp2sf_html_to_text({{ expr }})
{%- endmacro %}

{% macro default__html_to_text(expr) -%}
    {#- Portable fallback (no Python functions): regular expressions, which also delete a "<...>" that is
        not a tag; adapters with UDFs override it like duckdb__html_to_text. -#}
    nullif(regexp_replace(
        regexp_replace(
            regexp_replace(
                replace(replace(replace(replace(replace(replace(
                    regexp_replace(
                        regexp_replace(
                            regexp_replace({{ expr }}, '<img[^>]*>', '', 'gi'),
                            '<\s*(br|/p|/div|/li|/h[1-6])\s*/?>', chr(10), 'gi'),
                        '<[^>]+>', '', 'g'),
                    '&nbsp;', ' '), '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&amp;', '&'),
                '[ \t]+', ' ', 'g'),
            ' ?\n ?', chr(10), 'g'),
        '^\s+|\s+$', '', 'g'), '')
{%- endmacro %}

{% macro clean_text(expr) -%}
    {#- Unicode whitespace (tabs, no-break and other Unicode spaces, BOM) trimmed at both ends; empty = null.
        DuckDB's trim() removes spaces only. -#}
    nullif(regexp_replace({{ expr }}, '^[\s\p{Z}\x{FEFF}]+|[\s\p{Z}\x{FEFF}]+$', '', 'g'), '')
{%- endmacro %}

{% macro squish(expr) -%}
    {#- Trim and collapse internal (Unicode) whitespace; empty becomes null. -#}
    nullif(trim(regexp_replace({{ expr }}, '[\s\p{Z}\x{FEFF}]+', ' ', 'g')), '')
{%- endmacro %}

{% macro first_name(expr) -%}
    {#- All words of a single name but the last; null for a one-word name. -#}
    nullif(trim(regexp_replace({{ squish(expr) }}, '\s*\S+$', '')), '')
{%- endmacro %}

{% macro last_name(expr) -%}
    {#- The last word of a single name (the whole name when it is one word). -#}
    regexp_extract({{ squish(expr) }}, '(\S+)$', 1)
{%- endmacro %}

{% macro normalise_email(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}

{% macro street_with_unit(street, unit) -%}
    {#- Street and unit on one line ("12 Main St, Unit 4"); either may be missing. -#}
    nullif(concat_ws(', ', {{ squish(street) }}, {{ squish(unit) }}), '')
{%- endmacro %}
