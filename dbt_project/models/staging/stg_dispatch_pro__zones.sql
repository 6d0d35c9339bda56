-- One row per service zone (raw_dispatch_pro.zones): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'zones') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as zone_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as zone_name,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active

    from source

)

select * from renamed
