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

union all

-- a single-site customer's site is its Account's shipping address (no Location__c): its location custom
-- properties have no record to land on, so they are listed here rather than dropped
select
    'Location__c' as object_name,
    {{ dbt.concat(["'location:'", 'cast(sites.location_id as varchar)']) }} as source_key,
    'no_target_record' as rule,
    property_values.custom_field_name as column_name,
    property_values.custom_field_value as value,
    'location custom property of a single-site customer (site = Account shipping address, no Location__c)'
        as reason
from {{ ref('stg_dispatch_pro__locations__custom_fields') }} as property_values
inner join {{ ref('stg_dispatch_pro__locations') }} as locations
    on property_values._dlt_parent_id = locations._dlt_id
inner join {{ ref('int_locations_per_customer') }} as sites
    on locations.location_id = sites.location_id
where not sites.is_multi_site and nullif(trim(property_values.custom_field_value), '') is not null
