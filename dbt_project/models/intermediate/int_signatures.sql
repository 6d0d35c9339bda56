-- Signature captures from form submissions: the signature image's source id, signer name and capture time.

with

submissions as (

    select * from {{ ref('stg_dispatch_pro__form_submissions') }}

),

final as (

    select
        cast(signature_attachment_id as varchar) as signature_source_id,
        job_id,
        signer_name,
        coalesce(captured_on, submitted_on) as captured_on

    from submissions
    where signature_attachment_id is not null

)

select * from final
