-- One row per job custom field value (raw_dispatch_pro.jobs__custom_fields).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'jobs__custom_fields') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, '_dlt_parent_id', 'varchar') }} as _dlt_parent_id,
        {{ dp_col(cols, 'type_id', 'bigint') }} as custom_field_type_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as custom_field_name,
        {{ dp_col(cols, 'value', 'varchar') }} as custom_field_value

    from source

)

select * from renamed
