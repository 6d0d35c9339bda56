-- Values that did not load while their record did (one policy, dbt_project/README.md): a non-required
-- field's value that has no mapping, is not a picklist value, is too long or is not a valid email, and
-- custom-property values that do not convert (var('invalid_custom_value') = flag, default). The mart loads
-- the record without the value; the value is kept here with the reason (never cut or dropped silently).
-- depends_on: {{ ref('salesforce_fields') }}
-- depends_on: {{ ref('salesforce_types') }}
-- depends_on: {{ ref('custom_fields') }}
-- depends_on: {{ ref('map_job_status') }}
-- depends_on: {{ ref('map_job_priority') }}
-- depends_on: {{ ref('map_item_type') }}
-- depends_on: {{ ref('map_scheduling_tool') }}
{%- set prepared = {'Account': 'int_accounts_prepared', 'Contact': 'int_contacts_prepared',
    'Location__c': 'int_locations_prepared', 'Skill__c': 'int_skills_prepared', 'Case': 'int_cases_prepared',
    'Line_Item__c': 'int_line_items_prepared', 'Job_Status_History__c': 'int_job_status_history_prepared',
    'Event': 'int_events_prepared', 'CaseComment': 'int_case_comments_prepared',
    'ContentVersion': 'int_content_versions_prepared'} -%}
{%- if var('invoices') == 'custom' -%}
    {%- do prepared.update({'Invoice__c': 'int_invoices_prepared', 'Invoice_Line__c': 'int_invoice_lines_prepared'}) -%}
{%- else -%}
    {%- do prepared.update({'Order': 'int_orders_prepared', 'OrderItem': 'int_order_items_prepared',
        'Product2': 'int_products_prepared', 'PricebookEntry': 'int_pricebook_entries_prepared'}) -%}
{%- endif %}

{% for object_name, model in prepared.items() -%}
    {{ quarantine_rows(object_name, ref(model), kind='flagged') }}
    {{ 'union all' if not loop.last }}
{% endfor %}

{#- a note read as a browser reads it (html_to_text) whose parse dropped text that is no editor markup: the
    parsed text loads, the original is listed here so a person decides (macros/text.sql html_text_loss) #}
{% for object_name, model in prepared.items() -%}
    {%- set relation = ref(model) -%}
    {%- set columns = adapter.get_columns_in_relation(relation) if execute else [] -%}
    {%- for column in columns if column.name.startswith('_html_loss__') -%}
        {%- set field = column.name[12:] %}
        union all
        select
            '{{ object_name }}' as object_name,
            cast("Dispatch_Pro_Id__c" as string) as source_key,
            'html_text_lost' as rule,
            '{{ field }}' as column_name,
            {{ adapter.quote('_html__' ~ field) }} as value,
            {{ adapter.quote(column.name) }} || ': the parsed text loaded, the original is kept here' as reason
        from {{ relation }}
        where {{ adapter.quote(column.name) }} is not null
    {%- endfor %}
{%- endfor %}

union all

-- a long note (a Note file, ContentVersion) whose HTML reading dropped text: flagged likewise
select
    'ContentVersion' as object_name,
    'note:' || cast(note_id as string) as source_key,
    'html_text_lost' as rule,
    'VersionData' as column_name,
    note_html as value,
    note_text_loss || ': the parsed text loaded, the original is kept here' as reason
from {{ ref('int_job_notes_routed') }}
where is_note_file and note_text_loss is not null

union all

-- a single-site customer's site is part of its Account/Contact (no Location__c): its location custom properties
-- travel with it (custom_fields rows of source_entity location on Account/Contact, Site_*__c); a property with
-- no such row has no field to land on, so it is listed here rather than dropped
select
    'Location__c' as object_name,
    'location:' || cast(sites.location_id as string) as source_key,
    'no_target_record' as rule,
    property_values.custom_field_name as column_name,
    property_values.custom_field_value as value,
    'location custom property of a single-site customer with no Account/Contact field in seeds/custom_fields.csv'
        as reason
from {{ ref('stg_dispatch_pro__locations__custom_fields') }} as property_values
inner join {{ ref('stg_dispatch_pro__locations') }} as locations
    on property_values._dlt_parent_id = locations._dlt_id
inner join {{ ref('int_locations_per_customer') }} as sites
    on locations.location_id = sites.location_id
where
    not sites.is_multi_site and nullif(trim(property_values.custom_field_value), '') is not null
    and property_values.custom_field_name not in (
        select seeded."source_name" from {{ ref('custom_fields') }} as seeded
        where seeded."source_entity" = 'location' and seeded."object" in ('Account', 'Contact')
    )

union all

-- a custom property with no row in the custom_fields seed has no field to land on: listed, never dropped
select
    case unseeded.source_entity
        when 'job' then 'Case'
        when 'location' then 'Location__c'
        when 'invoice' then '{{ "Invoice__c" if var("invoices") == "custom" else "Order" }}'
        when 'customer' then case when customers.is_commercial then 'Account' else 'Contact' end
    end as object_name,
    unseeded.source_entity || ':' || cast(unseeded.parent_id as string) as source_key,
    'no_target_field' as rule,
    unseeded.custom_field_name as column_name,
    unseeded.custom_field_value as value,
    'custom property not in seeds/custom_fields.csv (no Salesforce field): record loaded without it' as reason
from {{ ref('int_custom_values_unseeded') }} as unseeded
left join {{ ref('int_customers_classified') }} as customers
    on unseeded.source_entity = 'customer' and unseeded.parent_id = customers.customer_id
