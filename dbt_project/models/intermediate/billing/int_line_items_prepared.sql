-- Line_Item__c rows before the quarantine rules: the items of job invoices, under the job's Case.

with

items as (

    select * from {{ ref('int_invoice_items_enriched') }}
    where job_id is not null

),

final as (

    select  -- noqa: ST06
        'item:' || cast(invoice_item_id as string) as "Dispatch_Pro_Id__c",
        'job:' || cast(job_id as string) as "Case__r.Dispatch_Pro_Id__c",
        description_text as "Description__c",
        description_html as "_html__Description__c",
        description_text_loss as "_html_loss__Description__c",
        cast(quantity as double) as "Quantity__c",
        unit_price as "Unit_Price__c",
        total as "Total__c",
        line_item_type as "Type__c",
        item_type as "_src_type",
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
        sku_name as "SKU__c"

    from items

)

select * from final
