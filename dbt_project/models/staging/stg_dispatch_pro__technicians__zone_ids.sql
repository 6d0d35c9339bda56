-- One row per technician service zone (raw_dispatch_pro.technicians__zone_ids).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'technicians__zone_ids') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, '_dlt_parent_id', 'varchar') }} as _dlt_parent_id,
        {{ dp_col(cols, 'value', 'bigint') }} as zone_id

    from source

)

select * from renamed
