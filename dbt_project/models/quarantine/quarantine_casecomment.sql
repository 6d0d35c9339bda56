-- CaseComment rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('Case') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ quarantine_rows('CaseComment', ref('int_case_comments_prepared')) }}
