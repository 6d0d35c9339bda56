-- Location__c rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('Account') }}
-- depends_on: {{ ref('Contact') }}
{{ quarantine_rows('Location__c', ref('int_locations_prepared')) }}
