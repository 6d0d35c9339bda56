{#- Text helpers shared by the staging and intermediate models. -#}

{% macro html_to_text(expr) -%}
    {#- Plain text from HTML: inline images dropped (they become Files), remote image URLs kept as text,
        <br>/<p>/<div>/<li> become line breaks, other tags removed, entities decoded, runs of spaces collapsed,
        ends trimmed. On DuckDB the note is read as a browser reads it (lexbor, WHATWG parsing,
        mapping/html_text.py, registered by the dbt-duckdb plugin in profiles.yml): a "<" that starts no tag
        ("temp <40F") is text; "A<B and B>C" is "AC", as a browser shows it, and html_text_loss says so. -#}
    {{ return(adapter.dispatch('html_to_text', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__html_to_text(expr) -%}
    dp2sf_html_to_text({{ expr }})
{%- endmacro %}

{% macro spark__html_to_text(expr) -%}
    {#- the same Python function, registered as a Spark UDF by mapping/spark_engine.py -#}
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

{% macro html_text_loss(expr) -%}
    {#- Why the browser's reading of the HTML (html_to_text) drops text that is no editor markup (an unknown
        element, attributes like "and" or "&&", a tag left open), or null when nothing is dropped: the note is
        then flagged with its original text (quarantine.flagged_values, rule html_text_lost). -#}
    {{ return(adapter.dispatch('html_text_loss', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__html_text_loss(expr) -%}
    dp2sf_html_text_loss({{ expr }})
{%- endmacro %}

{% macro spark__html_text_loss(expr) -%}
    dp2sf_html_text_loss({{ expr }})
{%- endmacro %}

{% macro default__html_text_loss(expr) -%}
    {#- Portable fallback: the regular-expression reading above deletes every "<...>", so any "<" followed by a
        letter that does not open a plain tag of the common editor elements is flagged. -#}
    case
        when regexp_like(
            regexp_replace({{ expr }},
                '</?(p|div|br|b|i|u|s|em|strong|span|font|ul|ol|li|a|img|h[1-6]|table|tbody|tr|td|th|hr|sub|sup)'
                || '(\s+[a-z-]+(=("[^"]*"|''[^'']*''|[^\s>]+))?)*\s*/?>', '', 'gi'),
            '<[a-zA-Z/!?]')
            then 'a "<" followed by a letter that is no plain editor tag: the HTML reading may drop text'
    end
{%- endmacro %}

{% macro html_text_flag_columns(expr, field) -%}
    {#- The two columns a prepared model carries beside a field read from HTML, so flagged_values can list a
        note whose reading dropped text: the original HTML ("_html__<field>") and why ("_html_loss__<field>"). -#}
    {{ expr }} as {{ adapter.quote('_html__' ~ field) }},
        {{ html_text_loss(expr) }} as {{ adapter.quote('_html_loss__' ~ field) }}
{%- endmacro %}

{% macro clean_text(expr) -%}
    {#- Unicode whitespace (tabs, no-break and other Unicode spaces, BOM) trimmed at both ends; empty = null.
        DuckDB's trim() removes spaces only. -#}
    nullif({{ regexp_replace_all(expr, '^[\\s\\p{Z}\\x{FEFF}]+|[\\s\\p{Z}\\x{FEFF}]+$', '') }}, '')
{%- endmacro %}

{% macro squish(expr) -%}
    {#- Trim and collapse internal (Unicode) whitespace; empty becomes null. -#}
    nullif(trim({{ regexp_replace_all(expr, '[\\s\\p{Z}\\x{FEFF}]+', ' ') }}), '')
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
