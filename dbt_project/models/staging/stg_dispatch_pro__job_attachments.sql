-- One row per job attachment metadata (raw_dispatch_pro.job_attachments).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'job_attachments') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as attachment_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,

        ---------- strings
        {{ dp_col(cols, 'file_name', 'varchar') }} as file_name,

        ---------- numerics
        {{ dp_col(cols, 'size', 'bigint') }} as size_bytes

    from source

)

select * from renamed
