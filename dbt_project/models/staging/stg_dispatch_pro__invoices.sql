-- One row per invoice (raw_dispatch_pro.invoices): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'invoices') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as invoice_id,
        {{ dp_col(cols, 'customer__id', 'bigint') }} as customer_id,
        {{ dp_col(cols, 'job__id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'location__id', 'bigint') }} as location_id,

        ---------- strings
        {{ dp_col(cols, 'reference_number', 'varchar') }} as reference_number,
        {{ dp_col(cols, 'job__number', 'varchar') }} as job_number,
        {{ dp_col(cols, 'summary', 'varchar') }} as summary_html,
        {{ dp_col(cols, 'term_name', 'varchar') }} as term_name,
        {{ dp_col(cols, 'review_status', 'varchar') }} as review_status,
        {{ dp_col(cols, 'sent_status', 'varchar') }} as sent_status,
        {{ dp_col(cols, 'sync_status', 'varchar') }} as sync_status,

        ---------- numerics
        {{ dp_col(cols, 'sub_total', 'decimal(38, 9)') }} as sub_total,
        {{ dp_col(cols, 'sales_tax', 'decimal(38, 9)') }} as sales_tax,
        {{ dp_col(cols, 'total', 'decimal(38, 9)') }} as total,
        {{ dp_col(cols, 'balance', 'decimal(38, 9)') }} as balance,
        {{ dp_col(cols, 'discount_total', 'decimal(38, 9)') }} as discount_total,
        {{ dp_col(cols, 'sales_tax_code__tax_rate', 'decimal(38, 9)') }} as tax_rate,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,

        ---------- timestamps
        {{ dp_col(cols, 'invoice_date', 'timestamp') }} as invoice_date,
        {{ dp_col(cols, 'due_date', 'timestamp') }} as due_date,
        {{ dp_col(cols, 'paid_on', 'timestamp') }} as paid_on,
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on,

        ---------- dlt
        {{ dp_col(cols, '_dlt_id', 'varchar') }} as _dlt_id

    from source

)

select * from renamed
