{#- Numbers and dates written by people (custom-property values) read in the source's locale: var('source_locale'),
    set from the setting DP2SF_SOURCE_LOCALE (en_US by default; dbt_project.yml). A value has one reading in its
    locale or it is not converted: a value the locale reads two ways ("1,5" in en_US: a decimal comma, 1.5, or a
    grouping typo, 15) is flagged in quarantine.flagged_values (rule_invalid_custom_value), never guessed.
    Plain SQL (regexp_extract, replace, cast) with the engine-specific functions behind adapter.dispatch, so the
    mapping runs on Spark too. -#}

{% macro source_locale() -%}
    {#- The conventions of var('source_locale'): date order, decimal separator, digit-group separator(s) as a
        regular-expression character class. CLDR: https://cldr.unicode.org (numbers: symbols; dates: short). -#}
    {%- set locales = {
        'en_US': {'order': 'mdy', 'decimal': '.', 'group': '[,]', 'group_char': ','},
        'en_GB': {'order': 'dmy', 'decimal': '.', 'group': '[,]', 'group_char': ','},
        'en_AU': {'order': 'dmy', 'decimal': '.', 'group': '[,]', 'group_char': ','},
        'de_DE': {'order': 'dmy', 'decimal': ',', 'group': '[.]', 'group_char': '.'},
        'es_ES': {'order': 'dmy', 'decimal': ',', 'group': '[.]', 'group_char': '.'},
        'it_IT': {'order': 'dmy', 'decimal': ',', 'group': '[.]', 'group_char': '.'},
        'nl_NL': {'order': 'dmy', 'decimal': ',', 'group': '[.]', 'group_char': '.'},
        'fr_FR': {'order': 'dmy', 'decimal': ',', 'group': '[ \u00a0\u202f]', 'group_char': ' '},
    } -%}
    {%- set name = var('source_locale', 'en_US') -%}
    {%- if name not in locales -%}
        {{ exceptions.raise_compiler_error("source_locale " ~ name ~ " is not one of " ~ (locales | join(', '))
            ~ " (macros/locale.sql)") }}
    {%- endif -%}
    {%- set locale = locales[name] -%}
    {%- do locale.update({'name': name}) -%}
    {{ return(locale) }}
{%- endmacro %}

{% macro locale_number_pattern(locale) -%}
    {#- A number as the locale writes it: optional sign, digits (grouped by threes, or not at all), an optional
        decimal part. -#}
    {%- set d = '[' ~ locale.decimal ~ ']' -%}
    {{ return('[-+]?([0-9]{1,3}(' ~ locale.group ~ '[0-9]{3})+|[0-9]+)(' ~ d ~ '[0-9]+)?|[-+]?' ~ d ~ '[0-9]+') }}
{%- endmacro %}

{% macro locale_number(expr) -%}
    {#- The number ``expr`` writes in the source locale, or null when it writes none (the caller flags it). -#}
    {%- set locale = source_locale() -%}
    case when {{ regexp_full_match(expr, locale_number_pattern(locale)) }} then
        {{ try_to_double(
            "replace(" ~ regexp_replace_all(expr, locale.group, '') ~ ", '" ~ locale.decimal ~ "', '.')") }}
    end
{%- endmacro %}

{% macro locale_number_ambiguity(expr) -%}
    {#- Why ``expr`` reads two ways in the source locale (digits and separators that are no number of the locale,
        e.g. "1,5" or "1.234,5" in en_US: a decimal part or a digit grouping?), or null. -#}
    {%- set locale = source_locale() -%}
    case
        when not {{ regexp_full_match(expr, locale_number_pattern(locale)) }}
            and {{ regexp_full_match(expr, '[-+]?[0-9]*([.,' ~ locale.group[1:-1] ~ '][0-9]+)+') }}
            then 'reads two ways in the source locale {{ locale.name }} (decimal "{{ locale.decimal }}", digits '
                || 'grouped by "{{ locale.group_char }}"): a decimal separator or a digit grouping?'
    end
{%- endmacro %}

{% macro locale_date(expr) -%}
    {#- The date ``expr`` writes: ISO (2025-03-01, with or without a time) or the locale's short date (en_US
        M/D/Y, en_GB D/M/Y; "/", "." or "-" between the parts). A two-digit year is read as POSIX strptime %y
        does (69..99 = 19xx, 00..68 = 20xx): 1/2/25 in en_US is 2025-01-02. Null when it writes no valid date
        ("2026-02-29", "next spring"): the caller flags it. -#}
    {%- set locale = source_locale() -%}
    {%- set iso = '([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})([T ][0-9:.]+(Z|[+-][0-9:]+)?)?' -%}
    {%- set short = '([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{2}|[0-9]{4})' -%}
    {%- set first, second = ('2', '1') if locale.order == 'dmy' else ('1', '2') -%}
    {%- set short_year -%}
        cast(regexp_extract({{ expr }}, '^{{ short }}$', 3) as integer)
    {%- endset -%}
    case
        when {{ regexp_full_match(expr, iso) }} then {{ try_date_from_parts(
            "cast(regexp_extract(" ~ expr ~ ", '^" ~ iso ~ "$', 1) as integer)",
            "cast(regexp_extract(" ~ expr ~ ", '^" ~ iso ~ "$', 2) as integer)",
            "cast(regexp_extract(" ~ expr ~ ", '^" ~ iso ~ "$', 3) as integer)") }}
        when {{ regexp_full_match(expr, short) }} then {{ try_date_from_parts(
            "case when " ~ dbt.length("regexp_extract(" ~ expr ~ ", '^" ~ short ~ "$', 3)") ~ " = 4 then "
                ~ short_year ~ " when " ~ short_year ~ " >= 69 then 1900 + " ~ short_year
                ~ " else 2000 + " ~ short_year ~ " end",
            "cast(regexp_extract(" ~ expr ~ ", '^" ~ short ~ "$', " ~ first ~ ") as integer)",
            "cast(regexp_extract(" ~ expr ~ ", '^" ~ short ~ "$', " ~ second ~ ") as integer)") }}
    end
{%- endmacro %}

{#- Engine-specific pieces (adapter.dispatch): DuckDB here, a portable default (Spark SQL) otherwise. -#}

{% macro regexp_full_match(expr, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'dp2sf')(expr, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(expr, pattern) -%}
    regexp_full_match({{ expr }}, '{{ pattern }}')
{%- endmacro %}

{% macro default__regexp_full_match(expr, pattern) -%}
    regexp_like({{ expr }}, '^(?:{{ pattern }})$')
{%- endmacro %}

{% macro regexp_replace_all(expr, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'dp2sf')(expr, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro default__regexp_replace_all(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro try_to_double(expr) -%}
    {{ return(adapter.dispatch('try_to_double', 'dp2sf')(expr)) }}
{%- endmacro %}

{% macro duckdb__try_to_double(expr) -%}
    try_cast({{ expr }} as double)
{%- endmacro %}

{% macro default__try_to_double(expr) -%}
    try_cast({{ expr }} as double)
{%- endmacro %}

{% macro try_date_from_parts(year, month, day) -%}
    {#- The date of year, month, day; null when there is none (February 30th). -#}
    {{ return(adapter.dispatch('try_date_from_parts', 'dp2sf')(year, month, day)) }}
{%- endmacro %}

{% macro default__try_date_from_parts(year, month, day) -%}
    {#- try_cast of the ISO text: null for a date that does not exist, on DuckDB and on Spark (ANSI mode, where
        make_date raises) -#}
    try_cast(
        lpad(cast({{ year }} as string), 4, '0') || '-' || lpad(cast({{ month }} as string), 2, '0') || '-'
        || lpad(cast({{ day }} as string), 2, '0') as date
    )
{%- endmacro %}

{% macro raise_error(message) -%}
    {#- An expression that stops the query with ``message`` (a data test that must name what it found). -#}
    {{ return(adapter.dispatch('raise_error', 'dp2sf')(message)) }}
{%- endmacro %}

{% macro duckdb__raise_error(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro default__raise_error(message) -%}
    raise_error({{ message }})
{%- endmacro %}
