-- Event rows before the quarantine rules: every appointment, and every milestone of the job history
-- (map_milestone_event), on the Case (WhatId), with the original times and the technician as owner.

with

appointments as (

    select * from {{ ref('stg_dispatch_pro__appointments') }}

),

assigned as (

    select * from {{ ref('int_job_primary_technicians') }}
    where is_appointment_primary

),

team as (

    select * from {{ ref('int_appointment_technicians') }}

),

transitions as (

    select * from {{ ref('int_job_status_transitions') }}

),

milestones as (

    select * from {{ ref('map_milestone_event') }}

),

jobs as (

    select
        job_id,
        job_number
    from {{ ref('stg_dispatch_pro__jobs') }}

),

technicians as (

    select
        technician_id,
        email
    from {{ ref('int_technicians_resolved') }}

),

appointment_events as (

    select
        'appointment:' || cast(appointments.appointment_id as string) as "Dispatch_Pro_Id__c",
        'Appointment '
        || coalesce(appointments.appointment_number, cast(appointments.appointment_id as string)) as "Subject",
        appointments.starts_at as "StartDateTime",
        appointments.ends_at as "EndDateTime",
        {{ html_to_text('appointments.special_instructions') }} as "Description",
        {{ html_text_flag_columns('appointments.special_instructions', 'Description') }},
        'Appointment' as "Event_Kind__c",
        coalesce(appointments.is_active, true) as "Dispatch_Pro_Active__c",
        appointments.is_confirmed as "Is_Confirmed__c",
        appointments.is_unused as "Unused__c",
        appointments.appointment_status as "Appointment_Status__c",
        appointments.arrival_window_start as "Arrival_Window_Start__c",
        appointments.arrival_window_end as "Arrival_Window_End__c",
        assigned.technician_name as "Actor_Name__c",
        team.technician_names as "Assigned_Technicians__c",
        'job:' || cast(appointments.job_id as string) as "_what_case_key",
        coalesce(assigned.technician_email, '{{ var("fallback_owner_email") }}') as "_owner_email",
        assigned.technician_email is null as "_owner_fallback"

    from appointments
    left join assigned on appointments.appointment_id = assigned.appointment_id
    left join team on appointments.appointment_id = team.appointment_id

),

milestone_events as (

    select
        'milestone:' || cast(transitions.history_id as string) as "Dispatch_Pro_Id__c",
        milestones.milestone || ' - Job ' || coalesce(jobs.job_number, cast(transitions.job_id as string))
            as "Subject",
        transitions.occurred_at as "StartDateTime",
        transitions.occurred_at as "EndDateTime",
        cast(null as string) as "Description",
        cast(null as string) as "_html__Description",
        cast(null as string) as "_html_loss__Description",
        'Milestone' as "Event_Kind__c",
        true as "Dispatch_Pro_Active__c",
        cast(null as boolean) as "Is_Confirmed__c",
        cast(null as boolean) as "Unused__c",
        cast(null as string) as "Appointment_Status__c",
        cast(null as timestamp) as "Arrival_Window_Start__c",
        cast(null as timestamp) as "Arrival_Window_End__c",
        transitions.actor_name as "Actor_Name__c",
        cast(null as string) as "Assigned_Technicians__c",
        'job:' || cast(transitions.job_id as string) as "_what_case_key",
        coalesce(technicians.email, '{{ var("fallback_owner_email") }}') as "_owner_email",
        technicians.email is null as "_owner_fallback"

    from transitions
    inner join milestones on transitions.event_type = milestones.event_type
    left join jobs on transitions.job_id = jobs.job_id
    left join technicians on transitions.employee_id = technicians.technician_id

)

select * from appointment_events
union all
select * from milestone_events
