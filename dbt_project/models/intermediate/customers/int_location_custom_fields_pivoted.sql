-- Location custom properties, one row per location, one column per property in the custom_fields seed.
-- depends_on: {{ ref('custom_fields') }}
{{ custom_field_pivot(
    'location',
    ref('stg_dispatch_pro__locations__custom_fields'),
    ref('stg_dispatch_pro__locations'),
    'location_id'
) }}
