-- Salesforce Task: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('Task', ref('int_tasks_prepared'), ref('quarantine_task')) }}
