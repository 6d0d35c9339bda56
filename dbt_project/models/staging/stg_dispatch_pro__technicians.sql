-- One row per technician (raw_dispatch_pro.technicians): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'technicians') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as technician_id,
        {{ dp_col(cols, 'user_id', 'bigint') }} as user_id,
        {{ dp_col(cols, 'business_unit_id', 'bigint') }} as business_unit_id,
        {{ dp_col(cols, 'main_zone_id', 'bigint') }} as main_zone_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as technician_name,
        {{ dp_col(cols, 'first_name', 'varchar') }} as first_name,
        {{ dp_col(cols, 'last_name', 'varchar') }} as last_name,
        {{ dp_col(cols, 'email', 'varchar') }} as email_raw,
        {{ dp_col(cols, 'phone_number', 'varchar') }} as phone_number,
        {{ dp_col(cols, 'license_type', 'varchar') }} as license_type,

        ---------- booleans
        {{ dp_col(cols, 'is_managed_tech', 'boolean') }} as is_managed_tech,
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
