-- ContentVersion rows held back from the load: one row per broken rule (macros/quarantine.sql), an empty
-- (0-byte) file, an oversize file (oversize_file_action=list; the reason names the job), and every
-- file the extract listed but could not store (raw file_errors): held back as file_unusable with the error.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('Case') }}
-- depends_on: {{ ref('salesforce_types') }}
{%- set limit = var('file_size_limit_bytes') -%}
{%- set action = var('oversize_file_action') -%}
{%- if action not in ('list', 'accept') -%}
    {{ exceptions.raise_compiler_error("oversize_file_action must be list or accept, not " ~ action) }}
{%- endif -%}
{%- set job = "coalesce(' (job ' || (select jobs.job_number from " ~ ref('stg_dispatch_pro__jobs')
    ~ " as jobs where 'job:' || cast(jobs.job_id as string) = \"_first_publish_case_key\") || ', '"
    ~ " || \"_first_publish_case_key\" || ')', '')" -%}
{%- set extra_rules = [{'rule': 'file_unusable', 'column': '_size_bytes',
    'condition': '"_size_bytes" = 0', 'value': 'cast("_size_bytes" as string)',
    'reason': "'file unusable: 0 bytes, no content to upload' || " ~ job}] -%}
{%- if action == 'list' -%}
    {%- do extra_rules.append({'rule': 'file_too_large', 'column': '_size_bytes',
        'condition': '"_size_bytes" > ' ~ limit, 'value': 'cast("_size_bytes" as string)',
        'reason': "'file over the " ~ limit ~ " byte limit (oversize_file_action=list): split it, re-host it as a link, or raise the limit' || " ~ job}) -%}
{%- endif %}
{{ quarantine_rows('ContentVersion', ref('int_content_versions_prepared'), extra_rules) }}

union all

select
    'ContentVersion' as object_name,
    file_errors.file_kind || ':' || file_errors.source_id as source_key,
    'file_unusable' as rule,
    'VersionData' as column_name,
    file_errors.file_name as value,
    'file unusable: ' || coalesce(file_errors.error_message, 'not downloaded')
    || coalesce(' (job ' || cast(file_errors.job_id as string) || ')', '') as reason
from {{ ref('stg_dispatch_pro__file_errors') }} as file_errors
