-- One row per job type (raw_dispatch_pro.job_types): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'job_types') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as job_type_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as job_type_name,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active

    from source

)

select * from renamed
