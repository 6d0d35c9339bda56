-- Product2 rows before the quarantine rules (var invoices = order): one Product per SKU on the invoice items.
{{ config(enabled=var('invoices') == 'order') }}

with

items as (

    select
        *,
        coalesce(cast(sku_id as string), sku_name, 'unspecified') as sku_key,
        row_number() over (
            partition by coalesce(cast(sku_id as string), sku_name, 'unspecified')
            order by created_on desc, invoice_item_id desc
        ) as recency

    from {{ ref('int_invoice_items_enriched') }}

),

final as (

    select
        'sku:' || sku_key as "Dispatch_Pro_Id__c",
        coalesce(sku_name, 'Unspecified item') as "Name",
        sku_key as "ProductCode",
        true as "IsActive",
        line_item_type as "Family",
        unit_price as "_latest_unit_price"

    from items
    where recency = 1

)

select * from final
