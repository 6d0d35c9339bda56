-- One row per technician assignment to an appointment (raw_dispatch_pro.appointment_assignments).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'appointment_assignments') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as assignment_id,
        {{ dp_col(cols, 'technician_id', 'bigint') }} as technician_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'appointment_id', 'bigint') }} as appointment_id,

        ---------- strings
        {{ dp_col(cols, 'technician_name', 'varchar') }} as technician_name,
        {{ dp_col(cols, 'status', 'varchar') }} as assignment_status,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'is_paused', 'boolean') }} as is_paused,

        ---------- timestamps
        {{ dp_col(cols, 'assigned_on', 'timestamp') }} as assigned_on

    from source

)

select * from renamed
