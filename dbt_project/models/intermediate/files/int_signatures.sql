-- Signatures from the form submissions, one row per submission with a signature unit: who signed and when,
-- or that the customer refused and why (the unit's value, isRefused, refusalReason; captured = the
-- submission's submittedOn), and whether it is the job's latest. The facts reach the Case whether or not the
-- image could be stored; a stored image (raw files, kind signature: the job attachment of the form's
-- fileName, or the forms export) names its submission, so its ContentVersion carries the same facts.

with

submissions as (

    select * from {{ ref('stg_dispatch_pro__form_submissions') }}

),

owners as (

    select * from {{ ref('stg_dispatch_pro__form_submissions__owners') }}
    where owner_type = 'Job'

),

units as (

    select
        *,
        row_number() over (partition by _dlt_parent_id order by unit_id) as unit_rank
    from {{ ref('stg_dispatch_pro__form_submissions__units') }}
    where lower(unit_type) = 'signature'

),

captures as (

    select
        submissions.submission_id,
        submissions.submitted_on,
        coalesce(owners.owner_id, submissions.job_id) as job_id,
        coalesce(units.is_refused, false) as is_refused,
        case
            when not coalesce(units.is_refused, false)
                then nullif(trim(coalesce(units.unit_value, submissions.signer_name)), '')
        end as signer_name,
        case
            when coalesce(units.is_refused, false) then nullif(trim(units.refusal_reason), '')
        end as refusal_reason,
        coalesce(submissions.captured_on, submissions.submitted_on) as captured_on

    from submissions
    left join owners on submissions._dlt_id = owners._dlt_parent_id
    left join units on submissions._dlt_id = units._dlt_parent_id and units.unit_rank = 1
    where units._dlt_parent_id is not null or submissions.signer_name is not null

),

final as (

    select
        submission_id,
        job_id,
        signer_name,
        captured_on,
        is_refused,
        refusal_reason,
        not is_refused as is_captured,
        row_number() over (
            partition by job_id order by submitted_on desc, submission_id desc
        ) = 1 as is_latest_for_job

    from captures

)

select * from final
