-- Salesforce PricebookEntry: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'order') }}
{{ mart_select('PricebookEntry', ref('int_pricebook_entries_prepared'), ref('quarantine_pricebookentry')) }}
