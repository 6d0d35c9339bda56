{#- One macro per quarantine rule: each returns the rule's check as plain SQL with blanks to fill
    (`col` the quoted mart column, `label` Object.Field, `suffix` ': loaded without it' for a flagged value):
    condition (the row breaks the rule), value (what quarantine lists) and reason. quarantine_checks
    (macros/quarantine.sql) picks the rules a field's type calls for; the README's policy table names them. -#}

{% macro quarantine_check(rule, column, condition, value, reason) -%}
    {{ return({'rule': rule, 'column': column, 'condition': condition | trim, 'value': value | trim,
        'reason': reason | trim}) }}
{%- endmacro %}

{% macro rule_missing_required(f, col, label) -%}
    {%- set condition %} nullif(trim(cast({{ col }} as string)), '') is null {% endset -%}
    {%- set reason %} '{{ label }} is required and has no value' {% endset -%}
    {{ return(quarantine_check('missing_required', f.column, condition, 'cast(null as string)', reason)) }}
{%- endmacro %}

{% macro rule_unmapped_value(f, col, src, label, suffix) -%}
    {%- set condition %} {{ col }} is null and {{ src }} is not null {% endset -%}
    {%- set value %} cast({{ src }} as string) {% endset -%}
    {%- set reason %} 'no mapping for this value in {{ f.picklist or 'the value map' }} ({{ label }}){{ suffix }}' {% endset -%}
    {{ return(quarantine_check('unmapped_value', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_invalid_custom_value(f, col, src, label, flag) -%}
    {%- set condition %} {{ col }} is null and {{ src }} is not null {% endset -%}
    {%- set value %} cast({{ src }} as string) {% endset -%}
    {%- if f.type in ('Number', 'Currency', 'Percent') -%}
        {%- set reason %}
            coalesce('{{ label }} ' || {{ locale_number_ambiguity(src) }},
                'value does not convert to {{ label }} ({{ f.type }})') || '{{ ": loaded without it" if flag }}'
        {% endset -%}
    {%- else -%}
        {%- set reason %} 'value does not convert to {{ label }} ({{ f.type }}){{ ": loaded without it" if flag }}' {% endset -%}
    {%- endif -%}
    {{ return(quarantine_check('invalid_value_nulled' if flag else 'invalid_value', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_invalid_picklist(f, col, label, suffix) -%}
    {%- set condition %} {{ col }} is not null and {{ col }} not in ({{ picklist_values_sql(f.picklist) }}) {% endset -%}
    {%- set value %} cast({{ col }} as string) {% endset -%}
    {%- set reason %} 'not a value of the {{ label }} picklist{{ suffix }}' {% endset -%}
    {{ return(quarantine_check('invalid_picklist', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_too_long(f, col, label, suffix) -%}
    {%- set condition %} {{ dbt.length(col) }} > {{ f.length }} {% endset -%}
    {%- set value %} cast({{ col }} as string) {% endset -%}
    {%- set reason %}
        '{{ label }} allows {{ f.length }} characters, the value has ' || cast({{ dbt.length(col) }} as string) || '{{ suffix }}'
    {% endset -%}
    {{ return(quarantine_check('too_long', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_too_many_decimals(f, col, label, suffix) -%}
    {%- set condition %}
        cast({{ col }} as decimal(38, 9)) <> round(cast({{ col }} as decimal(38, 9)), {{ f.scale }})
    {% endset -%}
    {%- set value %} cast({{ col }} as string) {% endset -%}
    {%- set reason %} '{{ label }} keeps {{ f.scale }} decimals, the value has more (never rounded){{ suffix }}' {% endset -%}
    {{ return(quarantine_check('too_many_decimals', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_date_out_of_range(f, col, label, suffix) -%}
    {#- Salesforce accepts dates from 1700-01-01 to 4000-12-31 only: an out-of-range value would fail the
        whole record in the org (and hold back its children), so it is a value problem. -#}
    {%- set condition %} cast({{ col }} as date) not between date '1700-01-01' and date '4000-12-31' {% endset -%}
    {%- set value %} cast({{ adapter.quote(f.source_column) if f.source_column else col }} as string) {% endset -%}
    {%- set reason %} '{{ label }} is outside the Salesforce date range 1700-01-01..4000-12-31{{ suffix }}' {% endset -%}
    {{ return(quarantine_check('date_out_of_range', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_invalid_email(f, col, label, suffix) -%}
    {%- set condition %}
        {{ col }} is not null and not {{ regexp_full_match(col, "[A-Za-z0-9._%+''-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}") }}
    {% endset -%}
    {%- set value %} cast({{ col }} as string) {% endset -%}
    {%- set reason %} '{{ label }} is not a valid email address{{ suffix }}' {% endset -%}
    {{ return(quarantine_check('invalid_email', f.column, condition, value, reason)) }}
{%- endmacro %}

{% macro rule_parent_not_loaded(f, col) -%}
    {%- set key = adapter.quote('Dispatch_Pro_Id__c') -%}
    {#- a lookup to a residential customer's Contact finds its Person Account's person Contact, which carries
        the same key (Account.Dispatch_Pro_Id__pc) when var('person_accounts') is on -#}
    {%- set person_key = adapter.quote('Dispatch_Pro_Id__pc') -%}
    {%- set condition %}
        {{ col }} is not null and {{ col }} not in (select {{ key }} from {{ ref(f.reference_to) }} where {{ key }} is not null)
        {%- if f.reference_to == 'Contact' and var('person_accounts', false) %}
        and {{ col }} not in (select {{ person_key }} from {{ ref('Account') }} where {{ person_key }} is not null)
        {%- endif %}
    {% endset -%}
    {%- set value %} cast({{ col }} as string) {% endset -%}
    {%- set reason %} 'the {{ f.reference_to }} it looks up is not in the load set (missing or quarantined)' {% endset -%}
    {{ return(quarantine_check('parent_not_loaded', f.column, condition, value, reason)) }}
{%- endmacro %}
