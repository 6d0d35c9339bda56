-- One row per form submission (signature capture) (raw_dispatch_pro.form_submissions).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'form_submissions') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as submission_id,
        {{ dp_col(cols, 'form_id', 'bigint') }} as form_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'signature_attachment_id', 'bigint') }} as signature_attachment_id,

        ---------- strings
        {{ dp_col(cols, 'form_name', 'varchar') }} as form_name,
        {{ dp_col(cols, 'status', 'varchar') }} as submission_status,
        {{ dp_col(cols, 'signer_name', 'varchar') }} as signer_name,

        ---------- timestamps
        {{ dp_col(cols, 'submitted_on', 'timestamp') }} as submitted_on,
        {{ dp_col(cols, 'captured_on', 'timestamp') }} as captured_on,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
