-- One row per invoice item (raw_dispatch_pro.invoice_items): renamed, cast, categorised; no joins.
{% set raw = source('dispatch_pro', 'invoice_items') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as invoice_item_id,
        {{ dp_col(cols, 'invoice_id', 'bigint') }} as invoice_id,
        {{ dp_col(cols, 'sku_id', 'bigint') }} as sku_id,

        ---------- strings
        {{ dp_col(cols, 'description', 'varchar') }} as description_html,
        {{ dp_col(cols, 'type', 'varchar') }} as item_type,
        {{ dp_col(cols, 'sku_name', 'varchar') }} as sku_name,
        {{ dp_col(cols, 'display_name', 'varchar') }} as display_name,

        ---------- numerics
        {{ dp_col(cols, 'quantity', 'decimal(38, 9)') }} as quantity,
        {{ dp_col(cols, 'price', 'decimal(38, 9)') }} as unit_price,
        {{ dp_col(cols, 'total', 'decimal(38, 9)') }} as total,
        {{ dp_col(cols, 'cost', 'decimal(38, 9)') }} as unit_cost,
        {{ dp_col(cols, 'total_cost', 'decimal(38, 9)') }} as total_cost,
        {{ dp_col(cols, 'sold_hours', 'decimal(38, 9)') }} as sold_hours,
        {{ dp_col(cols, 'order', 'bigint') }} as line_order,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,
        {{ dp_col(cols, 'taxable', 'boolean') }} as is_taxable,
        {{ dp_col(cols, 'add_on', 'boolean') }} as is_add_on,
        {{ dp_col(cols, 'is_chargeable', 'boolean') }} as is_chargeable,
        {{ dp_col(cols, 'inventory', 'boolean') }} as is_inventory,

        ---------- timestamps
        {{ dp_col(cols, 'service_date', 'timestamp') }} as service_date,
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

)

select * from renamed
