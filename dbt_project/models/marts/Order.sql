-- Salesforce Order: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ mart_select('Order', ref('int_orders_prepared'), ref('quarantine_order')) }}
