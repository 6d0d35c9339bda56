-- Every job status transition from the job history: from (the previous event), to, when, who, and the
-- scheduling tool used. CaseHistory cannot be written in Salesforce, so these become Job_Status_History__c.

with

history as (

    select * from {{ ref('stg_dispatch_pro__job_history') }}

),

employees as (

    select
        employee_id,
        employee_name
    from {{ ref('stg_dispatch_pro__employees') }}

),

technicians as (

    select
        technician_id,
        technician_name
    from {{ ref('stg_dispatch_pro__technicians') }}

),

transitions as (

    select
        history.*,
        lag(history.event_type) over (
            partition by history.job_id order by history.occurred_at, history.history_id
        ) as from_status,
        coalesce(employees.employee_name, technicians.technician_name) as actor_name

    from history
    left join employees on history.employee_id = employees.employee_id
    left join technicians on history.employee_id = technicians.technician_id

)

select * from transitions
