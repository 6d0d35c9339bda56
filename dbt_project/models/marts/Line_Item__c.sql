-- Salesforce Line_Item__c: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('Line_Item__c', ref('int_line_items_prepared'), ref('quarantine_line_item')) }}
