{#- Value conservation, one test per mart: every non-null value a record brings to a field (the prepared
    model's value, and for value-mapped and custom fields the original source value it was converted from)
    is in the mart, or the record is held back (quarantine.quarantine_all), or the value is listed in
    quarantine.flagged_values for that record and field. A row here is a value lost without a trace. -#}
{% test values_conserved(model, object_name, prepared) %}
{%- set fields = sf_fields(object_name) | rejectattr('column', 'in', ['Dispatch_Pro_Id__c']) | list -%}
{%- set key = adapter.quote('Dispatch_Pro_Id__c') %}

with

prepared as (

    select * from {{ ref(prepared) }}

),

mart as (

    select * from {{ model }}

),

held as (

    select distinct source_key from {{ ref('quarantine_all') }}
    where object_name = '{{ object_name }}'

),

flagged as (

    select distinct source_key, column_name from {{ ref('flagged_values') }}
    where object_name = '{{ object_name }}'

),

brought as (

    select
        prepared.{{ key }} as source_key,
        mart.{{ key }} as mart_key{{ ',' if fields }}
        {%- for f in fields %}
        {{ prepared_value(f) }} as {{ adapter.quote('v__' ~ f.column) }},
        cast(mart.{{ adapter.quote(f.column) }} as string) as {{ adapter.quote('m__' ~ f.column) }}
        {{- ',' if not loop.last }}
        {%- endfor %}
    from prepared
    left join mart on prepared.{{ key }} = mart.{{ key }}

),

lost as (

    {%- for f in fields %}
    select
        source_key,
        '{{ f.column }}' as column_name,
        {{ adapter.quote('v__' ~ f.column) }} as source_value,
        {{ adapter.quote('m__' ~ f.column) }} as mart_value
    from brought
    where {{ adapter.quote('v__' ~ f.column) }} is not null
        and (mart_key is null or {{ adapter.quote('m__' ~ f.column) }} is null)
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- if fields | length == 0 %}
    select
        cast(null as string) as source_key,
        cast(null as string) as column_name,
        cast(null as string) as source_value,
        cast(null as string) as mart_value
    where 1 = 0
    {%- endif %}

)

select lost.*
from lost
where source_key not in (select held.source_key from held where held.source_key is not null)
    and not exists (
        select 1 from flagged
        where flagged.source_key = lost.source_key and flagged.column_name = lost.column_name
    )

{% endtest %}
