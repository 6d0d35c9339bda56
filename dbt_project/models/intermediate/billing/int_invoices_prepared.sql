-- Invoice__c rows before the quarantine rules (var invoices = custom): one per invoice, looking up its Case,
-- its customer's Account and (residential) Contact, with amounts, amount paid, payment status and the
-- invoice custom properties.
-- depends_on: {{ ref('custom_fields') }}

with

invoices as (

    select * from {{ ref('int_invoices_enriched') }}

),

custom as (

    select * from {{ ref('int_invoice_custom_fields_pivoted') }}

),

final as (

    select
        'invoice:' || cast(invoices.invoice_id as string) as "Dispatch_Pro_Id__c",
        coalesce(
            invoices.reference_number, 'INV-' || cast(invoices.invoice_id as string)
        ) as "Name",
        case when invoices.job_id is not null then 'job:' || cast(invoices.job_id as string) end
            as "Case__r.Dispatch_Pro_Id__c",
        invoices.account_key as "Account__r.Dispatch_Pro_Id__c",
        invoices.contact_key as "Contact__r.Dispatch_Pro_Id__c",
        cast(invoices.invoice_date as date) as "Invoice_Date__c",
        cast(invoices.due_date as date) as "Due_Date__c",
        invoices.sub_total as "Sub_Total__c",
        invoices.sales_tax as "Sales_Tax__c",
        invoices.total as "Total__c",
        invoices.balance as "Balance__c",
        invoices.amount_paid as "Amount_Paid__c",
        invoices.payment_status as "Payment_Status__c",
        coalesce(invoices.is_active, true) as "Dispatch_Pro_Active__c",
        invoices.discount_total as "Discount_Total__c",
        invoices.payment_lines as "Payment_Applications__c",
        cast(invoices.tax_rate * 100 as double) as "Tax_Rate__c",
        invoices.term_name as "Payment_Terms__c",
        invoices.review_status as "Review_Status__c",
        invoices.sent_status as "Sent_Status__c",
        invoices.sync_status as "Sync_Status__c",
        {{ html_to_text('invoices.summary_html') }} as "Summary__c",
        {{ html_text_flag_columns('invoices.summary_html', 'Summary__c') }},
        {{ custom_field_columns('Invoice__c', 'custom') }}
        cast(invoices.paid_on as date) as "Paid_On__c"

    from invoices
    left join custom on invoices.invoice_id = custom.invoice_id

)

select * from final
