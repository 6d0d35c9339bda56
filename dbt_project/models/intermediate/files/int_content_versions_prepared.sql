-- ContentVersion rows before the quarantine rules: downloaded attachments and signatures (bytes in the
-- content-addressed store, sha256 known), inline images from notes and summaries, and notes too long for a
-- CaseComment; each published to the job's Case.

with

files as (

    select * from {{ ref('stg_dispatch_pro__files') }}

),

signatures as (

    select * from {{ ref('int_signatures') }}

),

inline_images as (

    select * from {{ ref('int_inline_images_extracted') }}

),

long_notes as (

    select * from {{ ref('int_job_notes_routed') }}
    where is_note_file

),

stored_files as (

    select
        files.file_kind || ':' || files.source_id as "Dispatch_Pro_Id__c",
        coalesce(files.file_name, files.file_kind || ' ' || files.source_id) as "Title",
        coalesce(files.file_name, files.file_kind || '-' || files.source_id) as "PathOnClient",
        case when files.file_kind = 'signature' then 'Signature' else 'Attachment' end as "File_Kind__c",
        signatures.signer_name as "Signer_Name__c",
        signatures.captured_on as "Signature_Captured_At__c",
        signatures.is_refused as "Signature_Refused__c",
        signatures.refusal_reason as "Signature_Refusal_Reason__c",
        files.sha256 as "Source_Sha256__c",
        cast(null as timestamp) as "Original_Created_Date__c",
        cast(null as string) as "Original_Author_Id__c",
        'job:' || cast(files.job_id as string) as "_first_publish_case_key",
        files.local_path as "_local_path",
        cast(null as string) as "_content_base64",
        cast(null as string) as "_content_text",
        files.size_bytes as "_size_bytes",
        files.content_type as "_content_type"

    from files
    left join signatures
        on files.file_kind = 'signature' and (
                files.submission_id = signatures.submission_id
                -- a signature file stored before files named their submission: the job's latest signature
                or (
                    files.submission_id is null
                    and files.job_id = signatures.job_id
                    and signatures.is_latest_for_job
                )
            )

),

images as (

    select
        image_key as "Dispatch_Pro_Id__c",
        'Inline image ' || cast(image_number as string)
        || ' of ' || source_kind || ' ' || cast(source_id as string) as "Title",
        'inline-' || source_kind || '-' || cast(source_id as string)
        || '-' || cast(image_number as string)
        || '.' || replace(image_subtype, 'jpeg', 'jpg') as "PathOnClient",
        'Inline Image' as "File_Kind__c",
        cast(null as string) as "Signer_Name__c",
        cast(null as timestamp) as "Signature_Captured_At__c",
        cast(null as boolean) as "Signature_Refused__c",
        cast(null as string) as "Signature_Refusal_Reason__c",
        {{ sha256_hex(base64_decode('content_base64')) }} as "Source_Sha256__c",
        cast(null as timestamp) as "Original_Created_Date__c",
        cast(null as string) as "Original_Author_Id__c",
        'job:' || cast(job_id as string) as "_first_publish_case_key",
        cast(null as string) as "_local_path",
        content_base64 as "_content_base64",
        cast(null as string) as "_content_text",
        cast(octet_length({{ base64_decode('content_base64') }}) as bigint) as "_size_bytes",
        'image/' || image_subtype as "_content_type"

    from inline_images

),

notes as (

    select
        'note:' || cast(note_id as string) as "Dispatch_Pro_Id__c",
        'Note ' || cast(note_id as string) as "Title",
        'note-' || cast(note_id as string) || '.txt' as "PathOnClient",
        'Note' as "File_Kind__c",
        cast(null as string) as "Signer_Name__c",
        cast(null as timestamp) as "Signature_Captured_At__c",
        cast(null as boolean) as "Signature_Refused__c",
        cast(null as string) as "Signature_Refusal_Reason__c",
        {{ sha256_hex('note_text') }} as "Source_Sha256__c",
        created_on as "Original_Created_Date__c",
        cast(created_by_id as string) as "Original_Author_Id__c",
        'job:' || cast(job_id as string) as "_first_publish_case_key",
        cast(null as string) as "_local_path",
        cast(null as string) as "_content_base64",
        note_text as "_content_text",
        cast({{ utf8_length('note_text') }} as bigint) as "_size_bytes",
        'text/plain' as "_content_type"

    from long_notes

)

select * from stored_files
union all
select * from images
union all
select * from notes
