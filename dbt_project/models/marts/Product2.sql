-- Salesforce Product2: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ mart_select('Product2', ref('int_products_prepared'), ref('quarantine_product2')) }}
