-- One row per job's Dispatch Pro metadata (raw_dispatch_pro.job_dispatch_metadata).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'job_dispatch_metadata') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,

        ---------- strings
        {{ dp_col(cols, 'priority', 'varchar') }} as dispatch_priority,

        ---------- numerics
        {{ dp_col(cols, 'optimization_score', 'double') }} as optimization_score,

        ---------- booleans
        {{ dp_col(cols, 'is_auto_dispatched', 'boolean') }} as is_auto_dispatched,
        {{ dp_col(cols, 'locked_to_technician', 'boolean') }} as is_locked_to_technician,

        ---------- timestamps
        {{ dp_col(cols, 'sla_due_on', 'timestamp') }} as sla_due_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

)

select * from renamed
