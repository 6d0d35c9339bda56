-- One row per job note (raw_dispatch_pro.job_notes): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'job_notes') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as note_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'created_by_id', 'bigint') }} as created_by_id,

        ---------- strings
        {{ dp_col(cols, 'text', 'varchar') }} as note_html,

        ---------- booleans
        {{ dp_col(cols, 'is_pinned', 'boolean') }} as is_pinned,
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,

        ---------- timestamps
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

)

select * from renamed
