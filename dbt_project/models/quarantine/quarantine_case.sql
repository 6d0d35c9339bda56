-- Case rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('map_job_status') }}, {{ ref('map_job_priority') }}, {{ ref('Account') }}, {{ ref('Contact') }}, {{ ref('Location__c') }}
{{ quarantine_rows('Case', ref('int_cases_prepared')) }}
