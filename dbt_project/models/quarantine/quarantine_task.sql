-- Task rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('Case') }}, {{ ref('Account') }}, {{ ref('Contact') }}
{{ quarantine_rows('Task', ref('int_tasks_prepared')) }}
