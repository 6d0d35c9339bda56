-- One row per file the extract listed but could not store, with the error (raw_dispatch_pro.file_errors):
-- a signature with no downloadable id, an HTTP error after retries. Renamed, cast; no joins.
{% set raw = source('dispatch_pro', 'file_errors') -%}
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

        ---------- strings
        {{ dp_col(cols, 'kind', 'varchar') }} as file_kind,
        {{ dp_col(cols, 'file_name', 'varchar') }} as file_name,
        {{ dp_col(cols, 'download_path', 'varchar') }} as download_path,
        {{ dp_col(cols, 'error', 'varchar') }} as error_message,

        ---------- timestamps
        {{ dp_col(cols, 'failed_at', 'timestamp') }} as failed_at

    from source

)

select * from renamed
