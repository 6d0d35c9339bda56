-- Images embedded inline (<img src="data:image/...;base64,...">) in job summaries and job notes, one row per
-- image. Each becomes a separate File on the Case; the text keeps the rest of the note.

with

jobs as (

    select
        job_id,
        summary_html
    from {{ ref('stg_dispatch_pro__jobs') }}

),

notes as (

    select
        note_id,
        job_id,
        note_html
    from {{ ref('stg_dispatch_pro__job_notes') }}

),

html_sources as (

    select
        'job' as source_kind,
        job_id as source_id,
        job_id,
        summary_html as html
    from jobs
    where summary_html like '%data:image/%'

    union all

    select
        'note' as source_kind,
        note_id as source_id,
        job_id,
        note_html as html
    from notes
    where note_html like '%data:image/%'

),

images as (

    select
        source_kind,
        source_id,
        job_id,
        {{ regexp_matches_list('html', 'data:image/[a-zA-Z0-9.+-]+;base64,[A-Za-z0-9+/=]+') }} as data_uris

    from html_sources

),

numbered as (

    select
        source_kind,
        source_id,
        job_id,
        {{ unnest_numbered('data_uris', 'image_number', 'data_uri') }}

    from images

),

final as (

    select
        source_kind,
        source_id,
        job_id,
        image_number,
        'inline:' || source_kind || ':' || cast(source_id as string)
        || ':' || cast(image_number as string) as image_key,
        regexp_extract(data_uri, 'data:image/([a-zA-Z0-9.+-]+);', 1) as image_subtype,
        regexp_extract(data_uri, ';base64,(.*)$', 1) as content_base64

    from numbered

)

select * from final
