{#- Custom properties (jobs, customers, locations) become custom fields driven by the custom_fields seed: one
    seed row per property and target object; no SQL edit per property. -#}

{% macro custom_field_defs(where) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select distinct source_name, api_name, type, picklist_values
        from {{ seed_relation('custom_fields') }}
        where {{ where }}
        order by api_name
    {%- endset -%}
    {%- set defs = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do defs.append({'source_name': row[0], 'api_name': row[1], 'type': row[2], 'values': row[3]}) -%}
    {%- endfor -%}
    {{ return(defs) }}
{%- endmacro %}

{% macro custom_field_raw(raw, type) -%}
    {#- The raw value as kept: trimmed, blank = no value; for typed (non-text) fields 'n/a', 'na', 'none' and '-'
        also mean no value. -#}
    {%- if type in ('Number', 'Currency', 'Percent', 'Checkbox', 'Date', 'DateTime') -%}
        case when lower(trim({{ raw }})) not in ('n/a', 'na', 'none', '-') then nullif(trim({{ raw }}), '') end
    {%- else -%}
        nullif(trim({{ raw }}), '')
    {%- endif -%}
{%- endmacro %}

{% macro custom_field_value(raw, type, values=none) -%}
    {#- A raw custom-property string converted to the Salesforce field type (a picklist value must be one
        of the field's values); null when it does not convert. var('invalid_custom_value') decides what
        happens then: flag (default: the record loads without that value, quarantine.flagged_values keeps it
        with the reason) or quarantine (the record is held back). Numbers and dates are read in the source locale
        (var('source_locale'), macros/locale.sql): "2,400" is 2400 and 1/2/25 is 2025-01-02 in en_US; a value the
        locale reads two ways ("1,5") converts to null and is flagged with that reason. -#}
    {%- set value = raw -%}
    {%- if type in ('Number', 'Currency', 'Percent') -%}
        {{ locale_number(value) }}
    {%- elif type == 'Checkbox' -%}
        case
            when lower({{ value }}) in ('true', 'yes', 'y', '1') then true
            when lower({{ value }}) in ('false', 'no', 'n', '0') then false
        end
    {%- elif type == 'Date' -%}
        {{ locale_date(value) }}
    {%- elif type == 'DateTime' -%}
        try_cast({{ value }} as timestamp)
    {%- elif type == 'Picklist' and values -%}
        case when {{ value }} in (
            {%- for v in values.split('|') %}{{ sql_string(v) }}{{ ', ' if not loop.last }}{% endfor -%}
        ) then {{ value }} end
    {%- else -%}
        {{ raw }}
    {%- endif -%}
{%- endmacro %}

{% macro custom_field_pivot(entity, values_relation, parent_relation, parent_id_column) -%}
    {#- One row per parent (job, customer, location) with, per seeded property, the raw value (_src__<api>)
        and the converted value (<api>). Values of properties not in the seed are listed in
        quarantine.flagged_values (rule no_target_field, model int_custom_values_unseeded). -#}
    {%- set defs = custom_field_defs("source_entity = '" ~ entity ~ "'") -%}
with

parents as (

    select {{ parent_id_column }}, _dlt_id from {{ parent_relation }}

),

property_values as (

    select
        parents.{{ parent_id_column }},
        property_values.custom_field_name,
        property_values.custom_field_value

    from {{ values_relation }} as property_values
    inner join parents on property_values._dlt_parent_id = parents._dlt_id

),

pivoted as (

    select
        parents.{{ parent_id_column }}{{ ',' if defs }}
        {%- for d in defs %}
        max(case when property_values.custom_field_name = {{ sql_string(d.source_name) }}
            then {{ custom_field_raw('property_values.custom_field_value', d.type) }} end)
            as {{ adapter.quote('_src__' ~ d.api_name) }}
        {{- ',' if not loop.last }}
        {%- endfor %}

    from parents
    left join property_values on parents.{{ parent_id_column }} = property_values.{{ parent_id_column }}
    group by parents.{{ parent_id_column }}

),

final as (

    select
        *{{ ',' if defs }}
        {%- for d in defs %}
        {{ custom_field_value(adapter.quote('_src__' ~ d.api_name), d.type, d['values']) }}
            as {{ adapter.quote(d.api_name) }}
        {{- ',' if not loop.last }}
        {%- endfor %}

    from pivoted

)

select * from final
{%- endmacro %}

{% macro custom_field_columns(object_name, alias, entity=none) -%}
    {#- The select-list entries a prepared model takes from its pivot: each property's value and raw value; with
        ``entity``, only that entity's properties (an Account takes its customer's and its single site's). -#}
    {%- set where = "object = '" ~ object_name ~ "'"
        ~ (" and source_entity = '" ~ entity ~ "'" if entity else "") -%}
    {%- for d in custom_field_defs(where) %}
        {{ alias }}.{{ adapter.quote(d.api_name) }},
        {{ alias }}.{{ adapter.quote('_src__' ~ d.api_name) }},
    {%- endfor %}
{%- endmacro %}
