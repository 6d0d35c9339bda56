-- One row per job (raw_dispatch_pro.jobs): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'jobs') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'customer_id', 'bigint') }} as customer_id,
        {{ dp_col(cols, 'location_id', 'bigint') }} as location_id,
        {{ dp_col(cols, 'job_type_id', 'bigint') }} as job_type_id,
        {{ dp_col(cols, 'business_unit_id', 'bigint') }} as business_unit_id,
        {{ dp_col(cols, 'first_appointment_id', 'bigint') }} as first_appointment_id,
        {{ dp_col(cols, 'invoice_id', 'bigint') }} as invoice_id,

        ---------- strings
        {{ dp_col(cols, 'job_number', 'varchar') }} as job_number,
        {{ dp_col(cols, 'job_status', 'varchar') }} as job_status,
        {{ dp_col(cols, 'priority', 'varchar') }} as st_priority,
        {{ dp_col(cols, 'summary', 'varchar') }} as summary_html,
        {{ dp_col(cols, 'customer_po', 'varchar') }} as customer_po,

        ---------- numerics
        {{ dp_col(cols, 'total', 'decimal(38, 9)') }} as job_total,

        ---------- booleans
        {{ dp_col(cols, 'is_auto_dispatched', 'boolean') }} as is_auto_dispatched,
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'no_charge', 'boolean') }} as is_no_charge,
        {{ dp_col(cols, 'notifications_enabled', 'boolean') }} as is_notifications_enabled,

        ---------- timestamps
        {{ dp_col(cols, 'completed_on', 'timestamp') }} as completed_on,
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
