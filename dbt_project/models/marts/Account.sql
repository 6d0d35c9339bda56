-- Salesforce Account: the columns the loader writes (salesforce_fields seed), quarantined rows left out.
-- depends_on: {{ ref('salesforce_fields') }}, {{ ref('custom_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
{{ mart_select('Account', ref('int_accounts_prepared'), ref('quarantine_account')) }}
