-- PricebookEntry rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('Product2') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ quarantine_rows('PricebookEntry', ref('int_pricebook_entries_prepared')) }}
