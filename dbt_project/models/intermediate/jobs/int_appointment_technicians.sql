-- One row per appointment: every technician assigned to it (not only the primary one, who owns the Event),
-- in assignment order, as names for Event.Assigned_Technicians__c and as full lines (name, email, assignment
-- status, assigned on, paused, inactive) for the job's Case (Technician_Assignments__c).

with

assignments as (

    select * from {{ ref('stg_dispatch_pro__appointment_assignments') }}

),

appointments as (

    select
        appointment_id,
        appointment_number
    from {{ ref('stg_dispatch_pro__appointments') }}

),

technicians as (

    select
        technician_id,
        technician_name,
        email
    from {{ ref('int_technicians_resolved') }}

),

lines as (

    select
        assignments.appointment_id,
        assignments.job_id,
        assignments.assigned_on,
        assignments.assignment_id,
        coalesce(
            assignments.technician_name, technicians.technician_name,
            'technician ' || cast(assignments.technician_id as string)
        ) as technician_name,
        coalesce(appointments.appointment_number, 'appointment ' || cast(assignments.appointment_id as string))
        || ': '
        || coalesce(
            assignments.technician_name, technicians.technician_name,
            'technician ' || cast(assignments.technician_id as string)
        )
        || coalesce(' <' || technicians.email || '>', '')
        || coalesce(' - ' || assignments.assignment_status, '')
        || coalesce(', assigned ' || cast(assignments.assigned_on as string), '')
        || case when assignments.is_paused then ' [paused]' else '' end
        || case when assignments.is_active is false then ' [inactive]' else '' end as assignment_line

    from assignments
    left join appointments on assignments.appointment_id = appointments.appointment_id
    left join technicians on assignments.technician_id = technicians.technician_id

),

final as (

    select
        appointment_id,
        min(job_id) as job_id,
        {{ dbt.listagg('technician_name', "', '", 'order by assigned_on, assignment_id') }} as technician_names,
        {{ dbt.listagg('assignment_line', 'chr(10)', 'order by assigned_on, assignment_id') }} as assignment_lines

    from lines
    group by appointment_id

)

select * from final
