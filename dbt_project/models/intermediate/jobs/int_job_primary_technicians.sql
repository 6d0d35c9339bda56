-- The primary technician of each job: the first technician assigned to the job's earliest appointment, or to
-- any of its appointments. Owner of the Case and its Events; the fallback owner when there is no email.

with

assignments as (

    select * from {{ ref('stg_dispatch_pro__appointment_assignments') }}
    where is_active is not false

),

appointments as (

    select * from {{ ref('stg_dispatch_pro__appointments') }}

),

technicians as (

    select * from {{ ref('int_technicians_resolved') }}

),

ranked as (

    select
        assignments.job_id,
        assignments.appointment_id,
        assignments.technician_id,
        technicians.email,
        coalesce(assignments.technician_name, technicians.technician_name) as technician_name,
        row_number() over (
            partition by assignments.job_id
            order by
                appointments.starts_at, assignments.appointment_id, assignments.assigned_on,
                assignments.assignment_id
        ) as job_rank,
        row_number() over (
            partition by assignments.appointment_id
            order by assignments.assigned_on, assignments.assignment_id
        ) as appointment_rank

    from assignments
    left join appointments on assignments.appointment_id = appointments.appointment_id
    left join technicians on assignments.technician_id = technicians.technician_id

),

final as (

    select
        job_id,
        appointment_id,
        technician_id,
        technician_name,
        email as technician_email,
        job_rank = 1 as is_job_primary,
        appointment_rank = 1 as is_appointment_primary

    from ranked

)

select * from final
