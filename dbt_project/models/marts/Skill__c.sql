-- Salesforce Skill__c: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('Skill__c', ref('int_skills_prepared'), ref('quarantine_skill')) }}
