-- Totals reconcile to the cent: every loaded line carries its source total, every loaded invoice its source
-- total, and per loaded invoice the loaded lines plus the quarantined lines sum to the source items.

{%- set invoices = var('invoices') %}
{%- set lines = 'Invoice_Line__c' if invoices == 'custom' else 'OrderItem' %}
{%- set line_total = '"Total__c"' if invoices == 'custom' else '"Line_Total__c"' %}
{%- set line_parent = '"Invoice__r.Dispatch_Pro_Id__c"' if invoices == 'custom' else '"Order.Dispatch_Pro_Id__c"' %}
{%- set headers = 'Invoice__c' if invoices == 'custom' else 'Order' %}
{%- set header_total = '"Total__c"' if invoices == 'custom' else '"Total_Amount__c"' %}

with

source_items as (

    select
        'invoice_item:' || cast(invoice_item_id as varchar) as line_key,
        'item:' || cast(invoice_item_id as varchar) as job_line_key,
        'invoice:' || cast(invoice_id as varchar) as invoice_key,
        coalesce(total, 0) as total
    from {{ ref('stg_dispatch_pro__invoice_items') }}

),

source_invoices as (

    select
        'invoice:' || cast(invoice_id as varchar) as invoice_key,
        coalesce(total, 0) as total
    from {{ ref('stg_dispatch_pro__invoices') }}

),

line_mismatches as (

    select
        'line total' as check_name,
        loaded_lines."Dispatch_Pro_Id__c" as record_key,
        source_items.total as source_total,
        loaded_lines.{{ line_total }} as loaded_total
    from {{ ref(lines) }} as loaded_lines
    inner join source_items on loaded_lines."Dispatch_Pro_Id__c" = source_items.line_key
    where loaded_lines.{{ line_total }} is distinct from source_items.total

    union all

    select
        'job line total' as check_name,
        items."Dispatch_Pro_Id__c" as record_key,
        source_items.total as source_total,
        items."Total__c" as loaded_total
    from {{ ref('Line_Item__c') }} as items
    inner join source_items on items."Dispatch_Pro_Id__c" = source_items.job_line_key
    where items."Total__c" is distinct from source_items.total

),

header_mismatches as (

    select
        'invoice total' as check_name,
        headers."Dispatch_Pro_Id__c" as record_key,
        source_invoices.total as source_total,
        headers.{{ header_total }} as loaded_total
    from {{ ref(headers) }} as headers
    inner join source_invoices on headers."Dispatch_Pro_Id__c" = source_invoices.invoice_key
    where headers.{{ header_total }} is distinct from source_invoices.total

),

held_lines as (

    select distinct source_key from {{ ref('quarantine_all') }}
    where object_name = '{{ lines }}'

),

per_invoice as (

    select
        source_items.invoice_key,
        sum(source_items.total) as source_total,
        sum(case when loaded.{{ line_total }} is not null then loaded.{{ line_total }} else 0 end)
        + sum(case when held.source_key is not null then source_items.total else 0 end) as accounted_total
    from source_items
    left join {{ ref(lines) }} as loaded on source_items.line_key = loaded."Dispatch_Pro_Id__c"
    left join held_lines as held on source_items.line_key = held.source_key
    group by source_items.invoice_key

),

sum_mismatches as (

    select
        'invoice lines sum' as check_name,
        invoice_key as record_key,
        source_total,
        accounted_total as loaded_total
    from per_invoice
    where source_total <> accounted_total

)

select * from line_mismatches
union all
select * from header_mismatches
union all
select * from sum_mismatches
