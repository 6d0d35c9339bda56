-- Money reconciles to the cent against RAW (not staging, which could round): every loaded line carries its
-- raw total, every loaded invoice its raw total, and per invoice and per Case the loaded lines plus the held-back
-- lines plus the flagged values (e.g. more decimals than the field keeps) sum to the raw items. A value that is
-- not loaded is accounted only when quarantine.quarantine_all or quarantine.flagged_values lists it.

{%- set invoices = var('invoices') %}
{%- set lines = 'Invoice_Line__c' if invoices == 'custom' else 'OrderItem' %}
{%- set line_total = '"Total__c"' if invoices == 'custom' else '"Line_Total__c"' %}
{%- set line_parent = '"Invoice__r.Dispatch_Pro_Id__c"' if invoices == 'custom' else '"Order.Dispatch_Pro_Id__c"' %}
{%- set headers = 'Invoice__c' if invoices == 'custom' else 'Order' %}
{%- set header_total = '"Total__c"' if invoices == 'custom' else '"Total_Amount__c"' %}

with

raw_invoices as (

    select
        id as invoice_id,
        job__id as job_id
    from {{ source('dispatch_pro', 'invoices') }}

),

source_items as (

    select
        'invoice_item:' || cast(items.id as string) as line_key,
        'item:' || cast(items.id as string) as job_line_key,
        'invoice:' || cast(items.invoice_id as string) as invoice_key,
        'job:' || cast(raw_invoices.job_id as string) as case_key,
        coalesce(cast(items.total as decimal(38, 9)), 0) as total
    from {{ source('dispatch_pro', 'invoice_items') }} as items
    left join raw_invoices on items.invoice_id = raw_invoices.invoice_id

),

source_invoices as (

    select
        'invoice:' || cast(id as string) as invoice_key,
        coalesce(cast(total as decimal(38, 9)), 0) as total
    from {{ source('dispatch_pro', 'invoices') }}

),

flagged as (

    select distinct
        object_name,
        source_key
    from {{ ref('flagged_values') }}
    where column_name in ('Total__c', 'Line_Total__c', 'Total_Amount__c')

),

line_mismatches as (

    select
        'line total' as check_name,
        loaded_lines."Dispatch_Pro_Id__c" as record_key,
        source_items.total as source_total,
        loaded_lines.{{ line_total }} as loaded_total
    from {{ ref(lines) }} as loaded_lines
    inner join source_items on loaded_lines."Dispatch_Pro_Id__c" = source_items.line_key
    left join flagged
        on flagged.object_name = '{{ lines }}' and loaded_lines."Dispatch_Pro_Id__c" = flagged.source_key
    where loaded_lines.{{ line_total }} is distinct from source_items.total and flagged.source_key is null

    union all

    select
        'job line total' as check_name,
        items."Dispatch_Pro_Id__c" as record_key,
        source_items.total as source_total,
        items."Total__c" as loaded_total
    from {{ ref('Line_Item__c') }} as items
    inner join source_items on items."Dispatch_Pro_Id__c" = source_items.job_line_key
    left join flagged on flagged.object_name = 'Line_Item__c' and items."Dispatch_Pro_Id__c" = flagged.source_key
    where items."Total__c" is distinct from source_items.total and flagged.source_key is null

),

header_mismatches as (

    select
        'invoice total' as check_name,
        headers."Dispatch_Pro_Id__c" as record_key,
        source_invoices.total as source_total,
        headers.{{ header_total }} as loaded_total
    from {{ ref(headers) }} as headers
    inner join source_invoices on headers."Dispatch_Pro_Id__c" = source_invoices.invoice_key
    left join flagged on flagged.object_name = '{{ headers }}' and headers."Dispatch_Pro_Id__c" = flagged.source_key
    where headers.{{ header_total }} is distinct from source_invoices.total and flagged.source_key is null

),

held_lines as (

    select distinct source_key from {{ ref('quarantine_all') }}
    where object_name = '{{ lines }}'

),

held_line_items as (

    select distinct source_key from {{ ref('quarantine_all') }}
    where object_name = 'Line_Item__c'

),

per_invoice as (

    -- loaded + held back + flagged = raw
    select
        source_items.invoice_key as record_key,
        sum(source_items.total) as source_total,
        sum(
            case
                when held.source_key is not null or flagged.source_key is not null then source_items.total
                else coalesce(loaded.{{ line_total }}, 0)
            end
        ) as accounted_total
    from source_items
    left join {{ ref(lines) }} as loaded on source_items.line_key = loaded."Dispatch_Pro_Id__c"
    left join held_lines as held on source_items.line_key = held.source_key
    left join flagged
        on flagged.object_name = '{{ lines }}' and source_items.line_key = flagged.source_key
    where source_items.invoice_key is not null
    group by source_items.invoice_key

),

per_case as (

    -- loaded + held back + flagged = raw
    select
        source_items.case_key as record_key,
        sum(source_items.total) as source_total,
        sum(
            case
                when held.source_key is not null or flagged.source_key is not null then source_items.total
                else coalesce(loaded."Total__c", 0)
            end
        ) as accounted_total
    from source_items
    left join {{ ref('Line_Item__c') }} as loaded on source_items.job_line_key = loaded."Dispatch_Pro_Id__c"
    left join held_line_items as held on source_items.job_line_key = held.source_key
    left join flagged
        on flagged.object_name = 'Line_Item__c' and source_items.job_line_key = flagged.source_key
    where source_items.case_key is not null
    group by source_items.case_key

),

sum_mismatches as (

    select
        'invoice lines sum' as check_name,
        record_key,
        source_total,
        accounted_total as loaded_total
    from per_invoice
    where source_total <> accounted_total

    union all

    select
        'case line items sum' as check_name,
        record_key,
        source_total,
        accounted_total as loaded_total
    from per_case
    where source_total <> accounted_total

)

select * from line_mismatches
union all
select * from header_mismatches
union all
select * from sum_mismatches
