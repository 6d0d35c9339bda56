-- Contact rows before the quarantine rules: residential customers (name split into FirstName/LastName,
-- under their placeholder Account; none with var('person_accounts'): they are Person Accounts) and the people
-- named in commercial customers' contact-method memos.
-- depends_on: {{ ref('custom_fields') }}

with

customers as (

    select * from {{ ref('int_customers_classified') }}

),

methods as (

    select * from {{ ref('int_contact_methods_pivoted') }}
    where object_name = 'Contact'

),

people as (

    select * from {{ ref('int_contact_methods_ranked') }}

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

residential as (

    select
        ---------- identity
        customers.contact_key as "Dispatch_Pro_Id__c",
        customers.account_key as "Account.Dispatch_Pro_Id__c",
        customers.first_name as "FirstName",
        customers.last_name as "LastName",

        ---------- contact methods: the first of each type, the rest listed
        methods.email as "Email",
        methods.phone as "Phone",
        methods.mobile_phone as "MobilePhone",
        methods.fax as "Fax",
        methods.other_methods as "Other_Contact_Methods__c",

        ---------- mailing address: the customer address
        {{ street_with_unit('customers.street', 'customers.unit') }} as "MailingStreet",
        customers.city as "MailingCity",
        customers.state as "MailingState",
        customers.zip as "MailingPostalCode",
        customers.country as "MailingCountry",
        customers.latitude as "MailingLatitude",
        customers.longitude as "MailingLongitude",

        ---------- other address: the single service site (several sites: Location__c)
        case
            when not customers.is_multi_site then {{ street_with_unit('customers.site_street', 'customers.site_unit') }}
        end as "OtherStreet",
        case when not customers.is_multi_site then customers.site_city end as "OtherCity",
        case when not customers.is_multi_site then customers.site_state end as "OtherState",
        case when not customers.is_multi_site then customers.site_zip end as "OtherPostalCode",
        case when not customers.is_multi_site then customers.site_country end as "OtherCountry",
        case when not customers.is_multi_site then customers.site_latitude end as "OtherLatitude",
        case when not customers.is_multi_site then customers.site_longitude end as "OtherLongitude",
        case when not customers.is_multi_site then {{ squish('customers.site_name') }} end as "Site_Name__c",

        ---------- flags and custom properties
        coalesce(customers.is_active, true) as "Dispatch_Pro_Active__c",
        customers.is_address_incomplete as "Address_Incomplete__c",
        customers.is_do_not_mail as "Do_Not_Mail__c",
        customers.is_do_not_service as "Do_Not_Service__c",
        customers.is_tax_exempt as "Tax_Exempt__c",
        customers.is_national_account as "National_Account__c",
        case when not customers.is_multi_site then customers.site_is_tax_exempt end as "Site_Tax_Exempt__c",
        {{ custom_field_columns('Contact', 'custom', 'customer') }}
        {{ custom_field_columns('Contact', 'site_custom', 'location') }}
        duplicates.duplicate_group as "_duplicate_group"

    from customers
    left join duplicates on customers.customer_id = duplicates.customer_id
    left join custom on customers.customer_id = custom.customer_id
    left join site_custom
        on customers.primary_location_id = site_custom.location_id and not customers.is_multi_site
    left join methods on customers.contact_key = methods.record_key
    where not customers.is_commercial and not customers.is_person_account

),

named_people as (

    select
        people.customer_id,
        people.person_name,
        min(people.contact_method_id) as first_method_id

    from people
    inner join customers on people.customer_id = customers.customer_id
    where customers.is_commercial and people.person_name is not null
    group by people.customer_id, people.person_name

),

commercial_people as (

    select
        'contact:' || cast(named_people.first_method_id as string) as "Dispatch_Pro_Id__c",
        'customer:' || cast(named_people.customer_id as string) as "Account.Dispatch_Pro_Id__c",
        {{ first_name('named_people.person_name') }} as "FirstName",
        {{ last_name('named_people.person_name') }} as "LastName",
        methods.email as "Email",
        methods.phone as "Phone",
        methods.mobile_phone as "MobilePhone",
        methods.fax as "Fax",
        methods.other_methods as "Other_Contact_Methods__c",
        cast(null as string) as "MailingStreet",
        cast(null as string) as "MailingCity",
        cast(null as string) as "MailingState",
        cast(null as string) as "MailingPostalCode",
        cast(null as string) as "MailingCountry",
        cast(null as double) as "MailingLatitude",
        cast(null as double) as "MailingLongitude",
        cast(null as string) as "OtherStreet",
        cast(null as string) as "OtherCity",
        cast(null as string) as "OtherState",
        cast(null as string) as "OtherPostalCode",
        cast(null as string) as "OtherCountry",
        cast(null as double) as "OtherLatitude",
        cast(null as double) as "OtherLongitude",
        cast(null as string) as "Site_Name__c",
        true as "Dispatch_Pro_Active__c",
        false as "Address_Incomplete__c",
        cast(null as boolean) as "Do_Not_Mail__c",
        cast(null as boolean) as "Do_Not_Service__c",
        cast(null as boolean) as "Tax_Exempt__c",
        cast(null as boolean) as "National_Account__c",
        cast(null as boolean) as "Site_Tax_Exempt__c",
        {{ custom_field_columns('Contact', 'no_custom', 'customer') }}
        {{ custom_field_columns('Contact', 'no_site_custom', 'location') }}
        cast(null as string) as "_duplicate_group"

    from named_people
    left join methods on 'contact:' || cast(named_people.first_method_id as string) = methods.record_key
    left join custom as no_custom on 1 = 0
    left join site_custom as no_site_custom on 1 = 0

)

select * from residential
union all
select * from commercial_people
