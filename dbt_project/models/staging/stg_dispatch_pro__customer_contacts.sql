-- One row per customer contact method (raw_dispatch_pro.customer_contacts).
-- Renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'customer_contacts') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as contact_method_id,
        {{ dp_col(cols, 'customer_id', 'bigint') }} as customer_id,

        ---------- strings
        {{ dp_col(cols, 'type', 'varchar') }} as contact_method_type,
        {{ dp_col(cols, 'value', 'varchar') }} as contact_value,
        {{ dp_col(cols, 'memo', 'varchar') }} as memo,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'phone_settings__do_not_text', 'boolean') }} as is_do_not_text,
        {{ dp_col(cols, 'preferences__job_reminders_enabled', 'boolean') }} as is_job_reminders_enabled,
        {{ dp_col(cols, 'preferences__marketing_updates_enabled', 'boolean') }} as is_marketing_updates_enabled,
        {{ dp_col(cols, 'preferences__invoice_notification', 'boolean') }} as is_invoice_notification,
        {{ dp_col(cols, 'preferences__invoice_statement_notification', 'boolean') }}
            as is_invoice_statement_notification,
        {{ dp_col(cols, 'preferences__statement_notification', 'boolean') }} as is_statement_notification,

        ---------- timestamps
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

)

select * from renamed
