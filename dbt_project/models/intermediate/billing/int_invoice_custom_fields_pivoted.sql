-- Invoice custom properties, one row per invoice, one column per property in the custom_fields seed.
-- depends_on: {{ ref('custom_fields') }}
{{ custom_field_pivot(
    'invoice',
    ref('stg_dispatch_pro__invoices__custom_fields'),
    ref('stg_dispatch_pro__invoices'),
    'invoice_id'
) }}
