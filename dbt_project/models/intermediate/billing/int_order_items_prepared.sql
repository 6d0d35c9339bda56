-- OrderItem rows before the quarantine rules (var invoices = order): one per invoice item, priced through
-- its Product's standard price book entry; the source line total is kept.
{{ config(enabled=var('invoices') == 'order') }}

with

items as (

    select * from {{ ref('int_invoice_items_enriched') }}

),

final as (

    select
        'invoice_item:' || cast(invoice_item_id as varchar) as "Dispatch_Pro_Id__c",
        'invoice:' || cast(invoice_id as varchar) as "Order.Dispatch_Pro_Id__c",
        'pbe:' || coalesce(cast(sku_id as varchar), sku_name, 'unspecified')
            as "PricebookEntry.Dispatch_Pro_Id__c",
        cast(quantity as double) as "Quantity",
        unit_price as "UnitPrice",
        description_text as "Description",
        description_html as "_html__Description",
        description_text_loss as "_html_loss__Description",
        total as "Line_Total__c"

    from items

)

select * from final
