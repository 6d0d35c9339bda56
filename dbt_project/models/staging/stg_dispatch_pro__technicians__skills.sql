-- One row per technician skill (raw_dispatch_pro.technicians__skills): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'technicians__skills') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, '_dlt_parent_id', 'varchar') }} as _dlt_parent_id,
        {{ dp_col(cols, 'id', 'varchar') }} as skill_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as skill_name

    from source

)

select * from renamed
