-- Product2 rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('map_item_type') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ quarantine_rows('Product2', ref('int_products_prepared')) }}
