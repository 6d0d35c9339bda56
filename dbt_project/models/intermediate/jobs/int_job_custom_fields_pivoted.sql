-- Job custom properties, one row per job, one column per property in the custom_fields seed.
-- depends_on: {{ ref('custom_fields') }}
{{ custom_field_pivot(
    'job',
    ref('stg_dispatch_pro__jobs__custom_fields'),
    ref('stg_dispatch_pro__jobs'),
    'job_id'
) }}
