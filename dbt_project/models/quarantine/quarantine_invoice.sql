-- Invoice__c rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('Case') }}, {{ ref('Account') }}, {{ ref('Contact') }}
{{ config(enabled=var('invoices') == 'custom') }}
{{ quarantine_rows('Invoice__c', ref('int_invoices_prepared')) }}
