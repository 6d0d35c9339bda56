-- One row per payment applied to an invoice (raw_dispatch_pro.payments__applied_to).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'payments__applied_to') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, '_dlt_parent_id', 'varchar') }} as _dlt_parent_id,
        {{ dp_col(cols, 'applied_to', 'bigint') }} as invoice_id,

        ---------- strings
        {{ dp_col(cols, 'applied_by', 'varchar') }} as applied_by,
        {{ dp_col(cols, 'applied_to_reference_number', 'varchar') }} as reference_number,

        ---------- numerics
        {{ dp_col(cols, 'applied_amount', 'decimal(38, 9)') }} as applied_amount,

        ---------- dates
        {{ dp_col(cols, 'applied_on', 'timestamp') }} as applied_on

    from source

)

select * from renamed
