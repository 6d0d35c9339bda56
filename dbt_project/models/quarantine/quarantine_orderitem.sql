-- OrderItem rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('Order') }}
-- depends_on: {{ ref('PricebookEntry') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ quarantine_rows('OrderItem', ref('int_order_items_prepared')) }}
