-- One row per payment (raw_dispatch_pro.payments): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'payments') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as payment_id,

        ---------- numerics
        {{ dp_col(cols, 'total', 'decimal(38, 9)') }} as total,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,

        ---------- timestamps
        {{ dp_col(cols, 'date', 'timestamp') }} as paid_at,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
