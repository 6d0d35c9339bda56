-- CaseComment rows before the quarantine rules: job notes that fit CaseComment.CommentBody.

with

notes as (

    select * from {{ ref('int_job_notes_routed') }}
    where not is_note_file

),

final as (

    select  -- noqa: ST06
        'note:' || cast(note_id as string) as "Dispatch_Pro_Id__c",
        'job:' || cast(job_id as string) as "Parent.Dispatch_Pro_Id__c",
        note_text as "CommentBody",
        note_html as "_html__CommentBody",
        note_text_loss as "_html_loss__CommentBody",
        false as "IsPublished",
        coalesce(is_active, true) as "Dispatch_Pro_Active__c",
        is_pinned as "Is_Pinned__c",
        created_on as "Original_Created_Date__c",
        cast(created_by_id as string) as "Original_Author_Id__c"

    from notes

)

select * from final
