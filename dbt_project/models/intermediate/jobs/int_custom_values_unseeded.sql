-- Custom-property values whose property has no row in the custom_fields seed (e.g. a job's "Serial Number"
-- added in the source after the seed was written): no Salesforce field to land on, so quarantine.flagged_values
-- lists each one (rule no_target_field) and the record loads without it. Add a seed row to migrate it.
-- depends_on: {{ ref('custom_fields') }}

with

seeded as (

    select distinct
        source_entity,
        source_name
    from {{ ref('custom_fields') }}

),

property_values as (

    select
        'job' as source_entity,
        parents.job_id as parent_id,
        property_values.custom_field_name,
        property_values.custom_field_value
    from {{ ref('stg_dispatch_pro__jobs__custom_fields') }} as property_values
    inner join {{ ref('stg_dispatch_pro__jobs') }} as parents on property_values._dlt_parent_id = parents._dlt_id

    union all

    select
        'customer' as source_entity,
        parents.customer_id as parent_id,
        property_values.custom_field_name,
        property_values.custom_field_value
    from {{ ref('stg_dispatch_pro__customers__custom_fields') }} as property_values
    inner join {{ ref('stg_dispatch_pro__customers') }} as parents on property_values._dlt_parent_id = parents._dlt_id

    union all

    select
        'location' as source_entity,
        parents.location_id as parent_id,
        property_values.custom_field_name,
        property_values.custom_field_value
    from {{ ref('stg_dispatch_pro__locations__custom_fields') }} as property_values
    inner join {{ ref('stg_dispatch_pro__locations') }} as parents on property_values._dlt_parent_id = parents._dlt_id

    union all

    select
        'invoice' as source_entity,
        parents.invoice_id as parent_id,
        property_values.custom_field_name,
        property_values.custom_field_value
    from {{ ref('stg_dispatch_pro__invoices__custom_fields') }} as property_values
    inner join {{ ref('stg_dispatch_pro__invoices') }} as parents on property_values._dlt_parent_id = parents._dlt_id

),

final as (

    select
        property_values.source_entity,
        property_values.parent_id,
        property_values.custom_field_name,
        property_values.custom_field_value

    from property_values
    left join seeded
        on
            property_values.source_entity = seeded.source_entity
            and property_values.custom_field_name = seeded.source_name
    where seeded.source_name is null and property_values.custom_field_value is not null

)

select * from final
