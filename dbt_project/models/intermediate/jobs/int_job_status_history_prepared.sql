-- Job_Status_History__c rows before the quarantine rules: one per status transition, under the Case.

with

transitions as (

    select * from {{ ref('int_job_status_transitions') }}

),

tools as (

    select * from {{ ref('map_scheduling_tool') }}

),

final as (

    select  -- noqa: ST06
        'history:' || cast(transitions.history_id as string) as "Dispatch_Pro_Id__c",
        'job:' || cast(transitions.job_id as string) as "Case__r.Dispatch_Pro_Id__c",
        transitions.from_status as "From_Status__c",
        transitions.event_type as "To_Status__c",
        transitions.occurred_at as "Changed_At__c",
        transitions.actor_name as "Changed_By__c",
        cast(transitions.employee_id as string) as "Changed_By_Id__c",
        tools.scheduling_tool as "Scheduling_Tool__c",
        transitions.scheduling_tool as "_src_tool"

    from transitions
    left join tools on transitions.scheduling_tool = tools.source_tool

)

select * from final
