-- Line_Item__c rows before the quarantine rules: the items of job invoices, under the job's Case.

with

items as (

    select * from {{ ref('int_invoice_items_enriched') }}
    where job_id is not null

),

final as (

    select  -- noqa: ST06
        'item:' || cast(invoice_item_id as varchar) as "Dispatch_Pro_Id__c",
        'job:' || cast(job_id as varchar) as "Case__r.Dispatch_Pro_Id__c",
        description_text as "Description__c",
        description_html as "_html__Description__c",
        description_text_loss as "_html_loss__Description__c",
        cast(quantity as double) as "Quantity__c",
        unit_price as "Unit_Price__c",
        total as "Total__c",
        line_item_type as "Type__c",
        item_type as "_src_type",
        sku_name as "SKU__c"

    from items

)

select * from final
