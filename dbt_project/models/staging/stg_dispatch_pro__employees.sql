-- One row per employee (raw_dispatch_pro.employees): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'employees') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as employee_id,
        {{ dp_col(cols, 'user_id', 'bigint') }} as user_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as employee_name,
        {{ dp_col(cols, 'email', 'varchar') }} as email_raw,
        {{ dp_col(cols, 'role', 'varchar') }} as role,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active

    from source

)

select * from renamed
