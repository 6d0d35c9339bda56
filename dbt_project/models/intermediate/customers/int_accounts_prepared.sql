-- Account rows before the quarantine rules: commercial customers, plus the numbered placeholder Accounts
-- ("Unassigned Account", "Unassigned Account 2", …) that hold residential Contacts in buckets of at most
-- var('placeholder_bucket_size'). With var('person_accounts'), residential customers are Person Accounts
-- instead (issue 20 §3): their contact fields on FirstName/LastName/Person*, the org names them "First Last"
-- (the squished name, as Name here), and Dispatch_Pro_Id__pc gives their person Contact the customer's key,
-- so lookups to the residential Contact find it; no placeholder Account is made.
-- depends_on: {{ ref('custom_fields') }}

with

customers as (

    select * from {{ ref('int_customers_classified') }}

),

duplicates as (

    select
        customer_id,
        duplicate_group
    from {{ ref('int_customer_duplicates') }}

),

custom as (

    select * from {{ ref('int_customer_custom_fields_pivoted') }}

),

site_custom as (

    -- a single site becomes part of its Account/Contact: its custom properties travel with it (Site_*__c)
    select * from {{ ref('int_location_custom_fields_pivoted') }}

),

methods as (

    select * from {{ ref('int_contact_methods_pivoted') }}
    where object_name = 'Account'

),

person_methods as (

    -- a Person Account's methods are routed as its residential Contact's were
    select * from {{ ref('int_contact_methods_pivoted') }}
    where object_name = 'Contact'

),

record_types as (

    -- the Account record type of each Dispatch Pro customer type (seed map_record_type)
    select
        source_value,
        record_type
    from {{ ref('map_record_type') }}
    where object_name = 'Account' and source_kind = 'customer_type'

),

commercial as (

    select
        ---------- identity
        customers.account_key as "Dispatch_Pro_Id__c",
        {{ squish('customers.customer_name') }} as "Name",
        case
            when customers.is_person_account then person_methods.phone else customers.first_phone
        end as "Phone",
        case when customers.is_person_account then person_methods.fax else methods.fax end as "Fax",
        case when not customers.is_multi_site then {{ squish('customers.site_name') }} end as "Site",
        case
            when customers.is_person_account then person_methods.other_methods else methods.other_methods
        end as "Other_Contact_Methods__c",

        ---------- billing address: the customer address
        {{ street_with_unit('customers.street', 'customers.unit') }} as "BillingStreet",
        customers.city as "BillingCity",
        customers.state as "BillingState",
        customers.zip as "BillingPostalCode",
        customers.country as "BillingCountry",
        customers.latitude as "BillingLatitude",
        customers.longitude as "BillingLongitude",

        ---------- shipping address: the primary service location
        {{ street_with_unit('customers.site_street', 'customers.site_unit') }} as "ShippingStreet",
        customers.site_city as "ShippingCity",
        customers.site_state as "ShippingState",
        customers.site_zip as "ShippingPostalCode",
        customers.site_country as "ShippingCountry",
        customers.site_latitude as "ShippingLatitude",
        customers.site_longitude as "ShippingLongitude",

        ---------- flags and custom properties
        false as "Is_Placeholder__c",
        coalesce(customers.is_active, true) as "Dispatch_Pro_Active__c",
        customers.is_address_incomplete as "Address_Incomplete__c",
        customers.is_do_not_mail as "Do_Not_Mail__c",
        customers.is_do_not_service as "Do_Not_Service__c",
        customers.is_tax_exempt as "Tax_Exempt__c",
        customers.is_national_account as "National_Account__c",
        case when not customers.is_multi_site then customers.site_is_tax_exempt end as "Site_Tax_Exempt__c",
        {{ custom_field_columns('Account', 'custom', 'customer') }}
        {{ custom_field_columns('Account', 'site_custom', 'location') }}
        duplicates.duplicate_group as "_duplicate_group",

        ---------- Person Account (residential customer, var('person_accounts')): the person's own fields
        case when customers.is_person_account then customers.first_name end as "FirstName",
        case when customers.is_person_account then customers.last_name end as "LastName",
        case when customers.is_person_account then person_methods.email end as "PersonEmail",
        case when customers.is_person_account then person_methods.mobile_phone end as "PersonMobilePhone",
        case
            when customers.is_person_account then {{ street_with_unit('customers.street', 'customers.unit') }}
        end as "PersonMailingStreet",
        case when customers.is_person_account then customers.city end as "PersonMailingCity",
        case when customers.is_person_account then customers.state end as "PersonMailingState",
        case when customers.is_person_account then customers.zip end as "PersonMailingPostalCode",
        case when customers.is_person_account then customers.country end as "PersonMailingCountry",
        case when customers.is_person_account then customers.latitude end as "PersonMailingLatitude",
        case when customers.is_person_account then customers.longitude end as "PersonMailingLongitude",
        case when customers.is_person_account then customers.contact_key end as "Dispatch_Pro_Id__pc",
        record_types.record_type as "_record_type",
        customers.is_person_account as "_person_account"

    from customers
    left join duplicates on customers.customer_id = duplicates.customer_id
    left join custom on customers.customer_id = custom.customer_id
    left join site_custom
        on customers.primary_location_id = site_custom.location_id and not customers.is_multi_site
    left join methods on customers.account_key = methods.record_key
    left join person_methods
        on customers.contact_key = person_methods.record_key and customers.is_person_account
    left join record_types on customers.customer_type = record_types.source_value
    where customers.is_commercial or customers.is_person_account

),

buckets as (

    select distinct
        placeholder_bucket,
        account_key
    from customers
    where not is_commercial and not is_person_account

),

placeholders as (

    select
        buckets.account_key as "Dispatch_Pro_Id__c",
        case
            when buckets.placeholder_bucket = 1 then '{{ var("placeholder_account_name") }}'
            else '{{ var("placeholder_account_name") }} ' || cast(buckets.placeholder_bucket as string)
        end as "Name",
        cast(null as string) as "Phone",
        cast(null as string) as "Fax",
        cast(null as string) as "Site",
        cast(null as string) as "Other_Contact_Methods__c",
        cast(null as string) as "BillingStreet",
        cast(null as string) as "BillingCity",
        cast(null as string) as "BillingState",
        cast(null as string) as "BillingPostalCode",
        cast(null as string) as "BillingCountry",
        cast(null as double) as "BillingLatitude",
        cast(null as double) as "BillingLongitude",
        cast(null as string) as "ShippingStreet",
        cast(null as string) as "ShippingCity",
        cast(null as string) as "ShippingState",
        cast(null as string) as "ShippingPostalCode",
        cast(null as string) as "ShippingCountry",
        cast(null as double) as "ShippingLatitude",
        cast(null as double) as "ShippingLongitude",
        true as "Is_Placeholder__c",
        true as "Dispatch_Pro_Active__c",
        false as "Address_Incomplete__c",
        cast(null as boolean) as "Do_Not_Mail__c",
        cast(null as boolean) as "Do_Not_Service__c",
        cast(null as boolean) as "Tax_Exempt__c",
        cast(null as boolean) as "National_Account__c",
        cast(null as boolean) as "Site_Tax_Exempt__c",
        {{ custom_field_columns('Account', 'no_custom', 'customer') }}
        {{ custom_field_columns('Account', 'no_site_custom', 'location') }}
        cast(null as string) as "_duplicate_group",
        cast(null as string) as "FirstName",
        cast(null as string) as "LastName",
        cast(null as string) as "PersonEmail",
        cast(null as string) as "PersonMobilePhone",
        cast(null as string) as "PersonMailingStreet",
        cast(null as string) as "PersonMailingCity",
        cast(null as string) as "PersonMailingState",
        cast(null as string) as "PersonMailingPostalCode",
        cast(null as string) as "PersonMailingCountry",
        cast(null as double) as "PersonMailingLatitude",
        cast(null as double) as "PersonMailingLongitude",
        cast(null as string) as "Dispatch_Pro_Id__pc",
        cast(null as string) as "_record_type",
        false as "_person_account"

    from buckets
    left join custom as no_custom on 1 = 0
    left join site_custom as no_site_custom on 1 = 0

)

select * from commercial
union all
select * from placeholders
