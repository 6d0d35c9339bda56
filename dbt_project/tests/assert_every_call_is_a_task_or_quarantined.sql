-- Every telecom call ends as exactly one Task or in quarantine with a reason (nothing lost, nothing doubled).
-- Returns the calls that break this.

with

calls as (

    select 'call:' || cast(call_id as string) as source_key
    from {{ ref('stg_dispatch_pro__calls') }}

),

tasks as (

    select "Dispatch_Pro_Id__c" as source_key
    from {{ ref('Task') }}

),

held as (

    select distinct source_key
    from {{ ref('quarantine_task') }}

),

landed as (

    select source_key from tasks
    union all
    select source_key from held

),

counted as (

    select
        calls.source_key,
        count(landed.source_key) as times_landed
    from calls
    left join landed on calls.source_key = landed.source_key
    group by calls.source_key

)

select * from counted
where times_landed <> 1
