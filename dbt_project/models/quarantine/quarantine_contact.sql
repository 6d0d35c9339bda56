-- Contact rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}, {{ ref('Account') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ quarantine_rows('Contact', ref('int_contacts_prepared')) }}
