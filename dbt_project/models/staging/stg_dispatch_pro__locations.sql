-- One row per location (raw_dispatch_pro.locations): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'locations') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as location_id,
        {{ dp_col(cols, 'customer_id', 'bigint') }} as customer_id,
        {{ dp_col(cols, 'zone_id', 'bigint') }} as zone_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as location_name,
        {{ dp_col(cols, 'address__street', 'varchar') }} as street,
        {{ dp_col(cols, 'address__unit', 'varchar') }} as unit,
        {{ dp_col(cols, 'address__city', 'varchar') }} as city,
        {{ dp_col(cols, 'address__state', 'varchar') }} as state,
        {{ dp_col(cols, 'address__zip', 'varchar') }} as zip,
        {{ dp_col(cols, 'address__country', 'varchar') }} as country,

        ---------- numerics
        {{ dp_col(cols, 'address__latitude', 'double') }} as latitude,
        {{ dp_col(cols, 'address__longitude', 'double') }} as longitude,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'tax_exempt', 'boolean') }} as is_tax_exempt,

        ---------- timestamps
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
