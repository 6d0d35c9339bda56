-- Salesforce Invoice__c: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ config(enabled=var('invoices') == 'custom') }}
{{ mart_select('Invoice__c', ref('int_invoices_prepared'), ref('quarantine_invoice')) }}
