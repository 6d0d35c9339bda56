-- Signature captures from the form submissions, one per job (the latest): the job, signer name (the signature
-- unit's value) and capture time, with the downloaded signature image of the job when there is one. A capture
-- is a signature unit that was not refused (form_submissions__units), so Signature_Captured__c does not depend
-- on the image being downloadable (the forms spec gives no file id; file_errors lists those images).

with

submissions as (

    select * from {{ ref('stg_dispatch_pro__form_submissions') }}

),

owners as (

    select * from {{ ref('stg_dispatch_pro__form_submissions__owners') }}
    where owner_type = 'Job'

),

units as (

    select * from {{ ref('stg_dispatch_pro__form_submissions__units') }}
    where lower(unit_type) = 'signature' and not coalesce(is_refused, false)

),

signature_files as (

    select
        source_id,
        job_id
    from {{ ref('stg_dispatch_pro__files') }}
    where file_kind = 'signature'

),

captures as (

    select
        coalesce(owners.owner_id, submissions.job_id) as job_id,
        coalesce(units.unit_value, submissions.signer_name) as signer_name,
        coalesce(submissions.captured_on, submissions.submitted_on) as captured_on,
        units.unit_type is not null or submissions.signer_name is not null as is_captured,
        row_number() over (
            partition by coalesce(owners.owner_id, submissions.job_id)
            order by submissions.submitted_on desc, submissions.submission_id desc
        ) as recency

    from submissions
    left join owners on submissions._dlt_id = owners._dlt_parent_id
    left join units on submissions._dlt_id = units._dlt_parent_id
    where units._dlt_parent_id is not null or submissions.signer_name is not null

),

final as (

    select
        signature_files.source_id as signature_source_id,
        captures.job_id,
        captures.signer_name,
        captures.captured_on,
        captures.is_captured

    from captures
    left join signature_files on captures.job_id = signature_files.job_id
    where captures.recency = 1

)

select * from final
