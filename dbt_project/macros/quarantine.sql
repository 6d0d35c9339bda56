{#- Quarantine: a row that breaks a rule is not loaded; it gets one quarantine row per broken rule (object,
    source key, rule, column, value, reason). Rules derive from the salesforce_fields / custom_fields seeds:
      missing_required   required field null or blank
      unmapped_value     a value map (seed) has no entry for the source value
      invalid_value      a custom property value that does not convert to its field type or picklist, when
                         var('invalid_custom_value') is quarantine; with flag (default) the record loads
                         without the value and quarantine.flagged_values lists it (rule invalid_value_nulled)
      invalid_picklist   a value outside the field's picklist
      too_long           longer than the field's length (never cut silently)
      invalid_email      not an address Salesforce accepts
      too_many_decimals  a number with more decimals than its field's scale (never rounded silently)
      date_out_of_range  a Date/DateTime outside Salesforce's range 1700-01-01..4000-12-31 (the org rejects it)
      parent_not_loaded  a lookup to a record that is not in the load set (missing or quarantined itself)
    plus object-specific rules passed in `extra_rules`. Each rule is its own macro in macros/quarantine_rules.sql. -#}

{% macro text_types() -%}
    {#- The text field types, from seeds/salesforce_types.csv: the one type list core/fields.py reads
        too (the length check, too_long, applies to these). -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select type from {{ seed_relation('salesforce_types') }} where text
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{% macro quarantine_checks(object_name, kind='held') -%}
    {#- One policy for bad values (dbt_project/README.md): kind held = record-level problems (a required field
        or the external id missing or unusable, a parent not loaded) that hold the record back; kind flagged =
        a problem with a non-required field's value: the record loads without that value (the mart nulls
        it, mart_select) and quarantine.flagged_values lists it. -#}
    {%- set flag_custom = var('invalid_custom_value', 'flag') == 'flag' -%}
    {%- set checks = [] -%}
    {%- set flagged = [] -%}
    {%- set text = text_types() -%}  {#- one query per model, not one per field #}
    {%- for f in sf_fields(object_name) -%}
        {%- set col = adapter.quote(f.column) -%}
        {%- set label = object_name ~ '.' ~ f.column -%}
        {%- set record_level = f.required or f.field == 'Dispatch_Pro_Id__c' -%}
        {%- set value_checks = checks if record_level else flagged -%}
        {%- set suffix = '' if record_level else ': loaded without it' -%}
        {%- if f.required -%}
            {%- do checks.append(rule_missing_required(f, col, label)) -%}
        {%- endif -%}
        {%- if f.source_column and f.source_column.startswith('_src__') -%}
            {%- do (flagged if flag_custom else checks).append(
                rule_invalid_custom_value(f, col, adapter.quote(f.source_column), label, flag_custom)) -%}
        {%- elif f.source_column -%}
            {%- do value_checks.append(
                rule_unmapped_value(f, col, adapter.quote(f.source_column), label, suffix)) -%}
        {%- endif -%}
        {%- if f.type == 'Picklist' and f.picklist -%}
            {%- do value_checks.append(rule_invalid_picklist(f, col, label, suffix)) -%}
        {%- endif -%}
        {%- if f.type in text and f.length > 0 -%}
            {%- do value_checks.append(rule_too_long(f, col, label, suffix)) -%}
        {%- endif -%}
        {%- if f.type in ('Currency', 'Number', 'Percent') and f.scale is not none -%}
            {%- do value_checks.append(rule_too_many_decimals(f, col, label, suffix)) -%}
        {%- endif -%}
        {%- if f.type in ('Date', 'DateTime') -%}
            {%- do value_checks.append(rule_date_out_of_range(f, col, label, suffix)) -%}
        {%- endif -%}
        {%- if f.type == 'Email' -%}
            {%- do value_checks.append(rule_invalid_email(f, col, label, suffix)) -%}
        {%- endif -%}
        {%- if f.reference_to and kind == 'held' -%}
            {%- do checks.append(rule_parent_not_loaded(f, col)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(flagged if kind == 'flagged' else checks) }}
{%- endmacro %}

{% macro quarantine_rows(object_name, prepared, extra_rules=[], kind='held') -%}
    {%- set checks = quarantine_checks(object_name, kind) + extra_rules if execute else [] -%}
    {%- if checks | length == 0 %}
select
    cast(null as string) as object_name,
    cast(null as string) as source_key,
    cast(null as string) as rule,
    cast(null as string) as column_name,
    cast(null as string) as value,
    cast(null as string) as reason
where 1 = 0
    {%- else -%}
    {%- for check in checks %}
select
    '{{ object_name }}' as object_name,
    cast({{ adapter.quote('Dispatch_Pro_Id__c') }} as string) as source_key,
    '{{ check.rule }}' as rule,
    '{{ check.column }}' as column_name,
    {{ check.value }} as value,
    {{ check.reason }} as reason
from {{ prepared }}
where {{ check.condition }}
{{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- endif %}
{%- endmacro %}

{% macro mart_select(object_name, prepared, quarantine) -%}
    {#- The mart: the seed's columns for the object, rows with no quarantine entry; a flagged value (a
        non-required field's problem, listed in quarantine.flagged_values) loads empty. -#}
    {%- set fields = sf_fields(object_name) -%}
    {%- if not execute or fields | length == 0 -%}
select 1 as unparsed
    {%- else %}
    {%- set value_problems = {} -%}
    {%- for check in quarantine_checks(object_name, 'flagged') -%}
        {%- do value_problems.setdefault(check.column, []).append(check.condition) -%}
    {%- endfor %}
select
    {%- for f in fields %}
    {%- set col = adapter.quote(f.column) %}
    {%- if f.column in value_problems and f.type == 'Currency' %}
    {#- the contract's decimal(18, 2): exact here, a value with more decimals is flagged (too_many_decimals) #}
    cast(case when ({{ value_problems[f.column] | join(') or (') }}) then null else {{ col }} end
        as decimal(18, 2)) as {{ col }}
    {%- elif f.type == 'Currency' %}
    {#- a required Currency field: a value with more decimals holds the record back, so the cast is exact #}
    cast({{ col }} as decimal(18, 2)) as {{ col }}
    {%- elif f.column in value_problems %}
    case when ({{ value_problems[f.column] | join(') or (') }}) then null else {{ col }} end as {{ col }}
    {%- else %}
    {{ col }}
    {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
from {{ prepared }}
where {{ adapter.quote('Dispatch_Pro_Id__c') }} not in (
    select source_key from {{ quarantine }} where source_key is not null
)
    {%- endif %}
{%- endmacro %}

{% macro prepared_value(f) -%}
    {#- The value a record brings to a field: the original source value when the field has one (value maps,
        custom properties), else the prepared value. -#}
    {%- if f.source_column -%}
        cast(coalesce(cast(prepared.{{ adapter.quote(f.column) }} as string),
            cast(prepared.{{ adapter.quote(f.source_column) }} as string)) as string)
    {%- else -%}
        cast(prepared.{{ adapter.quote(f.column) }} as string)
    {%- endif -%}
{%- endmacro %}
