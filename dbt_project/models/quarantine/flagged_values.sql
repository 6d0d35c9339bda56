-- Custom-property values that did not convert to their Salesforce field (type or picklist): with
-- var('invalid_custom_value') = flag (default) the record loads without the value and the value is kept
-- here with the reason, for the pre-scan and the reconciliation (never cut silently).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('map_job_status') }}
-- depends_on: {{ ref('map_job_priority') }}
-- depends_on: {{ ref('Account') }}
-- depends_on: {{ ref('Contact') }}
-- depends_on: {{ ref('Location__c') }}
-- depends_on: {{ ref('Case') }}
{%- set prepared = {'Account': 'int_accounts_prepared', 'Contact': 'int_contacts_prepared',
    'Location__c': 'int_locations_prepared', 'Case': 'int_cases_prepared'} -%}
{%- if var('invoices') == 'custom' -%}
    {%- do prepared.update({'Invoice__c': 'int_invoices_prepared'}) -%}
{%- endif %}

{% for object_name, model in prepared.items() -%}
    {{ quarantine_rows(object_name, ref(model), kind='flagged') }}
    {{ 'union all' if not loop.last }}
{% endfor %}
