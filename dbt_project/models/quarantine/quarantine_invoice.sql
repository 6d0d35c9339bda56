-- Invoice__c rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('Case') }}
-- depends_on: {{ ref('Account') }}
-- depends_on: {{ ref('Contact') }}
{{ config(enabled=var('invoices') == 'custom') }}
{{ quarantine_rows('Invoice__c', ref('int_invoices_prepared')) }}
