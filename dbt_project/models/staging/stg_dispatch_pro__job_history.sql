-- One row per job history event (raw_dispatch_pro.job_history): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'job_history') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as history_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'employee_id', 'bigint') }} as employee_id,

        ---------- strings
        {{ dp_col(cols, 'event_type', 'varchar') }} as event_type,
        {{ dp_col(cols, 'used_scheduling_tool', 'varchar') }} as scheduling_tool,

        ---------- timestamps
        {{ dp_col(cols, 'date', 'timestamp') }} as occurred_at

    from source

)

select * from renamed
