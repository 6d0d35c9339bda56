-- CaseComment rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('salesforce_types') }}, {{ ref('custom_fields') }}, {{ ref('Case') }}
{{ quarantine_rows('CaseComment', ref('int_case_comments_prepared')) }}
