-- PricebookEntry rows before the quarantine rules (var invoices = order): each Product in the standard price
-- book at its latest unit price.
{{ config(enabled=var('invoices') == 'order') }}

with

products as (

    select * from {{ ref('int_products_prepared') }}

),

final as (

    select
        replace("Dispatch_Pro_Id__c", 'sku:', 'pbe:') as "Dispatch_Pro_Id__c",
        "Dispatch_Pro_Id__c" as "Product2.Dispatch_Pro_Id__c",
        coalesce("_latest_unit_price", 0) as "UnitPrice",
        true as "IsActive",
        'standard' as "_pricebook"

    from products

)

select * from final
