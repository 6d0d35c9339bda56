-- Invoice items with their invoice's job, item type through the value map, and description as text.

with

items as (

    select * from {{ ref('stg_dispatch_pro__invoice_items') }}

),

invoices as (

    select
        invoice_id,
        job_id
    from {{ ref('stg_dispatch_pro__invoices') }}

),

item_types as (

    select * from {{ ref('map_item_type') }}

),

final as (

    select
        items.*,
        invoices.job_id,
        item_types.line_item_type,
        {{ html_to_text('items.description_html') }} as description_text,
        {{ html_text_loss('items.description_html') }} as description_text_loss

    from items
    left join invoices on items.invoice_id = invoices.invoice_id
    left join item_types on items.item_type = item_types.source_type

)

select * from final
