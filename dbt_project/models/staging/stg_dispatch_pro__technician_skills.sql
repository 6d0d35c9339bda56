-- One row per technician skill (dispatch list) (raw_dispatch_pro.technician_skills).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'technician_skills') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'varchar') }} as skill_id,
        {{ dp_col(cols, 'technician_id', 'bigint') }} as technician_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as skill_name,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active

    from source

)

select * from renamed
