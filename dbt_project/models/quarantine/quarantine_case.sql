-- Case rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('map_job_status') }}
-- depends_on: {{ ref('map_job_priority') }}
-- depends_on: {{ ref('Account') }}
-- depends_on: {{ ref('Contact') }}
-- depends_on: {{ ref('Location__c') }}
{{ quarantine_rows('Case', ref('int_cases_prepared')) }}
