-- One row per appointment (raw_dispatch_pro.appointments): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'appointments') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as appointment_id,
        {{ dp_col(cols, 'job_id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'customer_id', 'bigint') }} as customer_id,

        ---------- strings
        {{ dp_col(cols, 'appointment_number', 'varchar') }} as appointment_number,
        {{ dp_col(cols, 'status', 'varchar') }} as appointment_status,
        {{ dp_col(cols, 'special_instructions', 'varchar') }} as special_instructions,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'is_confirmed', 'boolean') }} as is_confirmed,
        {{ dp_col(cols, 'unused', 'boolean') }} as is_unused,

        ---------- timestamps
        {{ dp_col(cols, 'start', 'timestamp') }} as starts_at,
        {{ dp_col(cols, 'end', 'timestamp') }} as ends_at,
        {{ dp_col(cols, 'arrival_window_start', 'timestamp') }} as arrival_window_start,
        {{ dp_col(cols, 'arrival_window_end', 'timestamp') }} as arrival_window_end,
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

)

select * from renamed
