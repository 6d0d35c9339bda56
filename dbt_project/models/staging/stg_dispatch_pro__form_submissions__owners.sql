-- One row per owner of a form submission (the job) (raw_dispatch_pro.form_submissions__owners).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'form_submissions__owners') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, '_dlt_parent_id', 'varchar') }} as _dlt_parent_id,
        {{ dp_col(cols, 'id', 'bigint') }} as owner_id,

        ---------- strings
        {{ dp_col(cols, 'type', 'varchar') }} as owner_type

    from source

)

select * from renamed
