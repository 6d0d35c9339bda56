-- Jobs with their status and 8-level priority through the value maps (seeds map_job_status, map_job_priority):
-- Case Status (+ closed reason) and Case Priority; unmapped values stay null here and are quarantined later.

with

jobs as (

    select * from {{ ref('stg_dispatch_pro__jobs') }}

),

dispatch as (

    select * from {{ ref('stg_dispatch_pro__job_dispatch_metadata') }}

),

status_map as (

    select * from {{ ref('map_job_status') }}

),

priority_map as (

    select * from {{ ref('map_job_priority') }}

),

with_priority as (

    select
        jobs.*,
        dispatch.sla_due_on,
        dispatch.optimization_score,
        dispatch.is_locked_to_technician,
        coalesce(dispatch.dispatch_priority, jobs.st_priority) as source_priority,
        coalesce(dispatch.is_auto_dispatched, jobs.is_auto_dispatched, false) as auto_dispatched

    from jobs
    left join dispatch on jobs.job_id = dispatch.job_id

),

final as (

    select
        with_priority.*,
        status_map.case_status,
        priority_map.case_priority,
        priority_map.source_priority as mapped_source_priority,
        nullif(status_map.closed_reason, '') as closed_reason

    from with_priority
    left join status_map on with_priority.job_status = status_map.source_status
    left join priority_map on with_priority.source_priority = priority_map.source_priority

)

select * from final
