-- One row per customer contact method (raw_dispatch_pro.customer_contacts).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'customer_contacts') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as contact_method_id,
        {{ dp_col(cols, 'customer_id', 'bigint') }} as customer_id,

        ---------- strings
        {{ dp_col(cols, 'type', 'varchar') }} as contact_method_type,
        {{ dp_col(cols, 'value', 'varchar') }} as contact_value,
        {{ dp_col(cols, 'memo', 'varchar') }} as memo,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,

        ---------- timestamps
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

)

select * from renamed
