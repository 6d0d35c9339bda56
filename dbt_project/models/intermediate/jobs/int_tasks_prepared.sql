-- Task rows before the quarantine rules: one completed call Task per telecom call, with its original start
-- time, direction and duration; on the job's Case (WhatId) when the call is linked to a job, else on the
-- customer's Account; the residential customer's Contact as WhoId (reference/mapping.md "Also with the record").

with

calls as (

    select * from {{ ref('stg_dispatch_pro__calls') }}

),

customers as (

    select
        customer_id,
        account_key,
        contact_key
    from {{ ref('int_customers_classified') }}

),

tasks as (

    select  -- noqa: ST06
        'call:' || cast(calls.call_id as string) as "Dispatch_Pro_Id__c",
        'Call - ' || coalesce(calls.call_direction, 'Unknown') || ' ' || coalesce(calls.call_type, '') as "Subject",
        'Call' as "TaskSubtype",
        case when calls.call_direction in ('Inbound', 'Outbound') then calls.call_direction end as "CallType",
        cast(calls.call_seconds as integer) as "CallDurationInSeconds",
        cast(calls.created_on as date) as "ActivityDate",
        'Completed' as "Status",
        'Normal' as "Priority",
        'From ' || coalesce(calls.from_number, '?') || ' to ' || coalesce(calls.to_number, '?')
        || coalesce('; reason: ' || calls.reason_name, '')
        || coalesce('; ' || calls.excuse_memo, '')
        || coalesce('; recording: ' || calls.recording_url, '') as "Description",
        calls.call_type as "Call_Result__c",
        calls.created_on as "Call_Started_At__c",
        calls.agent_name as "Call_Agent__c",
        calls.logged_by_name as "Logged_By__c",
        coalesce(calls.is_active, true) as "Dispatch_Pro_Active__c",
        calls.call_tag as "Call_Tag__c",
        case
            when calls.job_id is not null then 'job:' || cast(calls.job_id as string)
        end as "_what_case_key",
        case when calls.job_id is null then customers.account_key end as "_what_account_key",
        customers.contact_key as "_who_contact_key"

    from calls
    left join customers on calls.customer_id = customers.customer_id

)

select * from tasks
