-- Salesforce OrderItem: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ mart_select('OrderItem', ref('int_order_items_prepared'), ref('quarantine_orderitem')) }}
