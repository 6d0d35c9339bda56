-- Every source row lands in exactly one place per object: the mart or the quarantine, never both, never
-- neither; and nothing lands that has no source row (the numbered placeholder Accounts excepted).
-- Returns the offending (object, key, problem) rows; the test passes when there are none.

{%- set invoices = var('invoices') %}

with

source_keys as (

    select distinct
        object_name,
        source_key
    from (

        select
            'Account' as object_name,
            account_key as source_key
        from {{ ref('int_customers_classified') }}
        where is_commercial or is_person_account

        union all
        select
            'Contact' as object_name,
            contact_key as source_key
        from {{ ref('int_customers_classified') }}
        where not is_commercial and not is_person_account

        union all
        select
            'Contact' as object_name,
            'contact:' || cast(min(methods.contact_method_id) as string) as source_key
        from {{ ref('int_contact_methods_ranked') }} as methods
        inner join {{ ref('int_customers_classified') }} as customers
            on methods.customer_id = customers.customer_id
        where customers.is_commercial and methods.person_name is not null
        group by methods.customer_id, methods.person_name

        union all
        select
            'Location__c' as object_name,
            'location:' || cast(location_id as string) as source_key
        from {{ ref('int_locations_per_customer') }}
        where is_multi_site

        union all
        select
            'Case' as object_name,
            'job:' || cast(job_id as string) as source_key
        from {{ ref('stg_dispatch_pro__jobs') }}

        union all
        select
            'Line_Item__c' as object_name,
            'item:' || cast(items.invoice_item_id as string) as source_key
        from {{ ref('stg_dispatch_pro__invoice_items') }} as items
        inner join {{ ref('stg_dispatch_pro__invoices') }} as invoices on items.invoice_id = invoices.invoice_id
        where invoices.job_id is not null

        union all
        select
            'Job_Status_History__c' as object_name,
            'history:' || cast(history_id as string) as source_key
        from {{ ref('stg_dispatch_pro__job_history') }}

        union all
        select
            'Event' as object_name,
            'appointment:' || cast(appointment_id as string) as source_key
        from {{ ref('stg_dispatch_pro__appointments') }}

        union all
        select
            'Event' as object_name,
            'milestone:' || cast(history.history_id as string) as source_key
        from {{ ref('stg_dispatch_pro__job_history') }} as history
        inner join {{ ref('map_milestone_event') }} as milestones on history.event_type = milestones.event_type

        union all
        select
            case when notes.is_note_file then 'ContentVersion' else 'CaseComment' end as object_name,
            'note:' || cast(notes.note_id as string) as source_key
        from {{ ref('int_job_notes_routed') }} as notes

        union all
        select
            'ContentVersion' as object_name,
            file_kind || ':' || source_id as source_key
        from {{ ref('stg_dispatch_pro__files') }}

        union all
        select
            'ContentVersion' as object_name,
            file_kind || ':' || source_id as source_key
        from {{ ref('stg_dispatch_pro__file_errors') }}

        union all
        select
            'ContentVersion' as object_name,
            image_key as source_key
        from {{ ref('int_inline_images_extracted') }}

        {%- if invoices == 'custom' %}

            union all
            select
                'Invoice__c' as object_name,
                'invoice:' || cast(invoice_id as string) as source_key
            from {{ ref('stg_dispatch_pro__invoices') }}

            union all
            select
                'Invoice_Line__c' as object_name,
                'invoice_item:' || cast(invoice_item_id as string) as source_key
            from {{ ref('stg_dispatch_pro__invoice_items') }}
        {%- else %}

        union all
        select 'Order' as object_name, 'invoice:' || cast(invoice_id as string) as source_key
        from {{ ref('stg_dispatch_pro__invoices') }}

        union all
        select 'OrderItem' as object_name, 'invoice_item:' || cast(invoice_item_id as string) as source_key
        from {{ ref('stg_dispatch_pro__invoice_items') }}
        {%- endif %}

    ) as keys

),

{%- set marts = ['Account', 'Contact', 'Location__c', 'Case', 'Line_Item__c', 'Job_Status_History__c', 'Event',
    'CaseComment', 'ContentVersion'] + (['Invoice__c', 'Invoice_Line__c'] if invoices == 'custom'
    else ['Order', 'OrderItem']) %}

landed as (

    select
        object_name,
        source_key,
        'quarantine' as place
    from {{ ref('quarantine_all') }}
    where object_name in ({{ "'" ~ marts | join("', '") ~ "'" }})
    group by object_name, source_key
    {% for mart in marts %}
        union all
        select
            '{{ mart }}' as object_name,
            "Dispatch_Pro_Id__c" as source_key,
            'mart' as place
        from {{ ref(mart) }}
        where {{ 'not "Is_Placeholder__c"' if mart == 'Account' else 'true' }}
    {% endfor %}
),

missing as (

    select
        source_keys.object_name,
        source_keys.source_key,
        'in neither mart nor quarantine' as problem
    from source_keys
    left join landed
        on source_keys.object_name = landed.object_name and source_keys.source_key = landed.source_key
    where landed.source_key is null

),

doubled as (

    select
        object_name,
        source_key,
        'in both mart and quarantine (or twice)' as problem
    from landed
    group by object_name, source_key
    having count(*) > 1

),

unknown as (

    select
        landed.object_name,
        landed.source_key,
        'landed without a source row' as problem
    from landed
    left join source_keys
        on landed.object_name = source_keys.object_name and landed.source_key = source_keys.source_key
    where source_keys.source_key is null

)

select * from missing
union all
select * from doubled
union all
select * from unknown
