-- OrderItem rows before the quarantine rules (var invoices = order): one per invoice item, priced through
-- its Product's standard price book entry; the source line total is kept.
{{ config(enabled=var('invoices') == 'order') }}

with

items as (

    select * from {{ ref('int_invoice_items_enriched') }}

),

final as (

    select
        'invoice_item:' || cast(invoice_item_id as string) as "Dispatch_Pro_Id__c",
        'invoice:' || cast(invoice_id as string) as "Order.Dispatch_Pro_Id__c",
        'pbe:' || coalesce(cast(sku_id as string), sku_name, 'unspecified')
            as "PricebookEntry.Dispatch_Pro_Id__c",
        cast(quantity as double) as "Quantity",
        unit_price as "UnitPrice",
        description_text as "Description",
        coalesce(is_active, true) as "Dispatch_Pro_Active__c",
        unit_cost as "Cost__c",
        total_cost as "Total_Cost__c",
        is_taxable as "Taxable__c",
        cast(service_date as date) as "Service_Date__c",
        cast(sold_hours as double) as "Sold_Hours__c",
        is_add_on as "Add_On__c",
        is_chargeable as "Chargeable__c",
        is_inventory as "Inventory__c",
        display_name as "Display_Name__c",
        cast(line_order as double) as "Line_Order__c",
        description_html as "_html__Description",
        description_text_loss as "_html_loss__Description",
        total as "Line_Total__c"

    from items

)

select * from final
