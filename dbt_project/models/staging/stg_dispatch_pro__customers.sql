-- One row per customer (raw_dispatch_pro.customers): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'customers') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as customer_id,
        {{ dp_col(cols, 'merged_to_id', 'bigint') }} as merged_to_customer_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as customer_name,
        {{ dp_col(cols, 'type', 'varchar') }} as customer_type,
        {{ dp_col(cols, 'address__street', 'varchar') }} as street,
        {{ dp_col(cols, 'address__unit', 'varchar') }} as unit,
        {{ dp_col(cols, 'address__city', 'varchar') }} as city,
        {{ dp_col(cols, 'address__state', 'varchar') }} as state,
        {{ dp_col(cols, 'address__zip', 'varchar') }} as zip,
        {{ dp_col(cols, 'address__country', 'varchar') }} as country,

        ---------- numerics
        {{ dp_col(cols, 'address__latitude', 'double') }} as latitude,
        {{ dp_col(cols, 'address__longitude', 'double') }} as longitude,
        {{ dp_col(cols, 'balance', 'decimal(38, 9)') }} as balance,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'do_not_service', 'boolean') }} as is_do_not_service,
        {{ dp_col(cols, 'do_not_mail', 'boolean') }} as is_do_not_mail,
        {{ dp_col(cols, 'tax_exempt', 'boolean') }} as is_tax_exempt,
        {{ dp_col(cols, 'national_account', 'boolean') }} as is_national_account,

        ---------- timestamps
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
