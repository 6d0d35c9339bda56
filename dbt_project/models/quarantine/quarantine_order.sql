-- Order rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('Account') }}
-- depends_on: {{ ref('Case') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ quarantine_rows('Order', ref('int_orders_prepared')) }}
