-- One row per downloaded file (attachment or signature) in the content-addressed store (raw_dispatch_pro.files).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'files') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'source_id', 'varchar') }} as source_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'submission_id', 'bigint') }} as submission_id,

        ---------- strings
        {{ dp_col(cols, 'kind', 'varchar') }} as file_kind,
        {{ dp_col(cols, 'file_name', 'varchar') }} as file_name,
        {{ dp_col(cols, 'sha256', 'varchar') }} as sha256,
        {{ dp_col(cols, 'content_type', 'varchar') }} as content_type,
        {{ dp_col(cols, 'path', 'varchar') }} as local_path,

        ---------- numerics
        {{ dp_col(cols, 'size', 'bigint') }} as size_bytes

    from source

)

select * from renamed
