-- Job_Status_History__c rows held back from the load: one row per broken rule (macros/quarantine.sql).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('map_scheduling_tool') }}
-- depends_on: {{ ref('Case') }}
{{ quarantine_rows('Job_Status_History__c', ref('int_job_status_history_prepared')) }}
