-- Invoice_Line__c rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('map_item_type') }}
-- depends_on: {{ ref('Invoice__c') }}
{{ config(enabled=var('invoices') == 'custom') }}
{{ quarantine_rows('Invoice_Line__c', ref('int_invoice_lines_prepared')) }}
