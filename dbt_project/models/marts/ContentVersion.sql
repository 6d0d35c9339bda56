-- Salesforce ContentVersion: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('ContentVersion', ref('int_content_versions_prepared'), ref('quarantine_contentversion')) }}
