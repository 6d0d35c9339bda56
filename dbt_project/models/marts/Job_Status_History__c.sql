-- Salesforce Job_Status_History__c: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('Job_Status_History__c', ref('int_job_status_history_prepared'), ref('quarantine_job_status_history')) }}
