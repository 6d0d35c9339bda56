-- Salesforce CaseComment: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('CaseComment', ref('int_case_comments_prepared'), ref('quarantine_casecomment')) }}
