-- Contact rows before the quarantine rules: residential customers (name split into FirstName/LastName,
-- under their placeholder Account) and the people named in commercial customers' contact-method memos.
-- depends_on: {{ ref('custom_fields') }}

with

customers as (

    select * from {{ ref('int_customers_classified') }}

),

methods as (

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

residential as (

    select
        ---------- identity
        customers.contact_key as "Dispatch_Pro_Id__c",
        customers.account_key as "Account.Dispatch_Pro_Id__c",
        customers.first_name as "FirstName",
        customers.last_name as "LastName",

        ---------- contact methods: the first of each type
        customers.first_email as "Email",
        customers.first_phone as "Phone",
        customers.first_mobile_phone as "MobilePhone",

        ---------- mailing address: the customer address
        {{ street_with_unit('customers.street', 'customers.unit') }} as "MailingStreet",
        customers.city as "MailingCity",
        customers.state as "MailingState",
        customers.zip as "MailingPostalCode",
        customers.country as "MailingCountry",
        customers.latitude as "MailingLatitude",
        customers.longitude as "MailingLongitude",

        ---------- flags and custom properties
        coalesce(customers.is_active, true) as "Dispatch_Pro_Active__c",
        customers.is_address_incomplete as "Address_Incomplete__c",
        {{ custom_field_columns('Contact', 'custom') }}
        duplicates.duplicate_group as "_duplicate_group"

    from customers
    left join duplicates on customers.customer_id = duplicates.customer_id
    left join custom on customers.customer_id = custom.customer_id
    where not customers.is_commercial

),

named_people as (

    select
        methods.customer_id,
        methods.person_name,
        min(methods.contact_method_id) as first_method_id,
        min(case when methods.contact_method_type = 'Email' then methods.contact_value end) as email,
        min(case when methods.contact_method_type = 'Phone' then methods.contact_value end) as phone,
        min(case when methods.contact_method_type = 'MobilePhone' then methods.contact_value end) as mobile_phone

    from methods
    inner join customers on methods.customer_id = customers.customer_id
    where customers.is_commercial and methods.person_name is not null
    group by methods.customer_id, methods.person_name

),

commercial_people as (

    select
        'contact:' || cast(named_people.first_method_id as varchar) as "Dispatch_Pro_Id__c",
        'customer:' || cast(named_people.customer_id as varchar) as "Account.Dispatch_Pro_Id__c",
        {{ first_name('named_people.person_name') }} as "FirstName",
        {{ last_name('named_people.person_name') }} as "LastName",
        named_people.email as "Email",
        named_people.phone as "Phone",
        named_people.mobile_phone as "MobilePhone",
        cast(null as varchar) as "MailingStreet",
        cast(null as varchar) as "MailingCity",
        cast(null as varchar) as "MailingState",
        cast(null as varchar) as "MailingPostalCode",
        cast(null as varchar) as "MailingCountry",
        cast(null as double) as "MailingLatitude",
        cast(null as double) as "MailingLongitude",
        true as "Dispatch_Pro_Active__c",
        false as "Address_Incomplete__c",
        {{ custom_field_columns('Contact', 'no_custom') }}
        cast(null as varchar) as "_duplicate_group"

    from named_people
    left join custom as no_custom on 1 = 0

)

select * from residential
union all
select * from commercial_people
