-- One row per unit of a form submission (e.g. the signature) (raw_dispatch_pro.form_submissions__units).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'form_submissions__units') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, '_dlt_parent_id', 'varchar') }} as _dlt_parent_id,
        {{ dp_col(cols, 'id', 'varchar') }} as unit_id,

        ---------- strings
        {{ dp_col(cols, 'name', 'varchar') }} as unit_name,
        {{ dp_col(cols, 'type', 'varchar') }} as unit_type,
        {{ dp_col(cols, 'value', 'varchar') }} as unit_value,
        {{ dp_col(cols, 'comment', 'varchar') }} as unit_comment,
        {{ dp_col(cols, 'refusal_reason', 'varchar') }} as refusal_reason,

        ---------- booleans
        {{ dp_col(cols, 'is_refused', 'boolean') }} as is_refused

    from source

)

select * from renamed
