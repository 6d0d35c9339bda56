-- One row per invoice custom field definition (raw_dispatch_pro.invoice_custom_field_types).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'invoice_custom_field_types') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as custom_field_type_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as custom_field_name,
        {{ dp_col(cols, 'data_type', 'varchar') }} as data_type,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
