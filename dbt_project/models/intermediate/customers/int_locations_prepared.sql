-- Location__c rows before the quarantine rules: one per site of a customer with several sites (a single
-- site is the Account's ShippingAddress instead).
-- depends_on: {{ ref('custom_fields') }}

with

locations as (

    select * from {{ ref('int_locations_per_customer') }}
    where is_multi_site

),

customers as (

    select
        customer_id,
        account_key,
        contact_key
    from {{ ref('int_customers_classified') }}

),

custom as (

    select * from {{ ref('int_location_custom_fields_pivoted') }}

),

methods as (

    select * from {{ ref('int_contact_methods_pivoted') }}
    where object_name = 'Location__c'

),

final as (

    select
        'location:' || cast(locations.location_id as string) as "Dispatch_Pro_Id__c",
        coalesce(
            {{ squish('locations.location_name') }},
            {{ street_with_unit('locations.street', 'locations.unit') }},
            'Location ' || cast(locations.location_id as string)
        ) as "Name",
        customers.account_key as "Account__r.Dispatch_Pro_Id__c",
        customers.contact_key as "Contact__r.Dispatch_Pro_Id__c",
        {{ street_with_unit('locations.street', 'locations.unit') }} as "Street__c",
        locations.city as "City__c",
        locations.state as "State__c",
        locations.zip as "Postal_Code__c",
        locations.country as "Country__c",
        locations.latitude as "Latitude__c",
        locations.longitude as "Longitude__c",
        {{ custom_field_columns('Location__c', 'custom') }}
        locations.is_address_incomplete as "Address_Incomplete__c",
        coalesce(locations.is_active, true) as "Dispatch_Pro_Active__c",
        locations.is_tax_exempt as "Tax_Exempt__c",
        methods.site_methods as "Contact_Methods__c"

    from locations
    left join customers on locations.customer_id = customers.customer_id
    left join custom on locations.location_id = custom.location_id
    left join methods on 'location:' || cast(locations.location_id as string) = methods.record_key

)

select * from final
