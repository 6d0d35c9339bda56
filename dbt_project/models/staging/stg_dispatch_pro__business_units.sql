-- One row per business unit (raw_dispatch_pro.business_units): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'business_units') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as business_unit_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as business_unit_name,
        {{ dp_col(cols, 'official_name', 'varchar') }} as official_name,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active

    from source

)

select * from renamed
