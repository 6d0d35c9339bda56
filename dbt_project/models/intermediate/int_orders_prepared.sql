-- Order rows before the quarantine rules (var invoices = order): one Order per invoice on the Account.
{{ config(enabled=var('invoices') == 'order') }}

with

invoices as (

    select * from {{ ref('int_invoices_enriched') }}

),

final as (

    select
        'invoice:' || cast(invoice_id as varchar) as "Dispatch_Pro_Id__c",
        account_key as "Account.Dispatch_Pro_Id__c",
        cast(coalesce(invoice_date, created_on) as date) as "EffectiveDate",
        'Draft' as "Status",
        case when job_id is not null then 'job:' || cast(job_id as varchar) end
            as "Case__r.Dispatch_Pro_Id__c",
        total as "Total_Amount__c",
        balance as "Balance__c",
        amount_paid as "Amount_Paid__c",
        payment_status as "Payment_Status__c",
        'standard' as "_pricebook"

    from invoices

)

select * from final
