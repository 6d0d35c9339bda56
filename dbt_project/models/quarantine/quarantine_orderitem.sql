-- OrderItem rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('Order') }}, {{ ref('PricebookEntry') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ quarantine_rows('OrderItem', ref('int_order_items_prepared')) }}
