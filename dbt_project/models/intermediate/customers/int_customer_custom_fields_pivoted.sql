-- Customer custom properties, one row per customer, one column per property in the custom_fields seed.
-- depends_on: {{ ref('custom_fields') }}
{{ custom_field_pivot(
    'customer',
    ref('stg_dispatch_pro__customers__custom_fields'),
    ref('stg_dispatch_pro__customers'),
    'customer_id'
) }}
