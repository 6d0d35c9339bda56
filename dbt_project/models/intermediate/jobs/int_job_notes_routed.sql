-- Job notes as plain text, routed by length: up to the CaseComment limit (4,000) a CaseComment, longer a
-- Note file (ContentVersion) so nothing is cut.

with

notes as (

    select * from {{ ref('stg_dispatch_pro__job_notes') }}

),

texts as (

    select
        *,
        {{ html_to_text('note_html') }} as note_text,
        {{ html_text_loss('note_html') }} as note_text_loss

    from notes

),

final as (

    select
        *,
        coalesce({{ dbt.length('note_text') }}, 0) > 4000 as is_note_file

    from texts

)

select * from final
