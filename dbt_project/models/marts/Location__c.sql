-- Salesforce Location__c: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('Location__c', ref('int_locations_prepared'), ref('quarantine_location')) }}
