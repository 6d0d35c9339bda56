-- Line_Item__c rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('map_item_type') }}
-- depends_on: {{ ref('Case') }}
{{ quarantine_rows('Line_Item__c', ref('int_line_items_prepared')) }}
