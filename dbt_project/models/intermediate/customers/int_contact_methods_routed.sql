-- Every contact method of a customer or of a site, with the one record and field it lands in, so none is lost:
--   residential customer: the first active Email/Phone/MobilePhone/Fax → the Contact's standard field;
--   commercial customer, memo names a person: that person's Contact, the first of each type likewise;
--   commercial customer, no person: the first Phone → Account.Phone, the first Fax → Account.Fax;
--   a site of a customer with several sites: its Location__c (Contact_Methods__c);
--   a site of a customer with one site: the Account (commercial) or the Contact (residential), as "Site …".
-- Everything else (further phones, emails of a company, inactive methods, other types) → Other_Contact_Methods__c,
-- one line per method: "<type>: <value> (<memo>)". A residential customer's method whose memo names another
-- person ("Owner’s daughter - Kelly", "Kelly Smith") is not the customer's own: it is a line, never the
-- Contact's Phone/Email. A memo travels with its value: a method in a standard field whose memo says more
-- than the person's name, or has preferences, also gets its line (memo_in_line), so "cell", "work #" or
-- "do not text: yes" is not lost. A method's phone settings and notification preferences end its line.

with

customers as (

    select
        customer_id,
        is_commercial,
        account_key,
        contact_key,
        lower(concat_ws(' ', first_name, last_name)) as own_name
    from {{ ref('int_customers_classified') }}

),

active_methods as (

    select * from {{ ref('int_contact_methods_ranked') }}

),

all_methods as (

    select * from {{ ref('stg_dispatch_pro__customer_contacts') }}

),

sites as (

    select
        location_id,
        customer_id,
        is_multi_site
    from {{ ref('int_locations_per_customer') }}

),

site_methods as (

    select * from {{ ref('stg_dispatch_pro__location_contacts') }}

),

customer_methods as (

    select  -- noqa: ST06
        all_methods.contact_method_id,
        all_methods.customer_id,
        all_methods.contact_method_type,
        all_methods.contact_value,
        all_methods.memo,
        coalesce(all_methods.is_active, true) as is_active,
        {{ contact_preferences('all_methods') }} as preferences,
        customers.is_commercial,
        customers.account_key,
        customers.contact_key,
        active_methods.person_name,
        {{ squish('all_methods.memo') }} as memo_clean,
        not customers.is_commercial and (
            active_methods.names_relative
            or lower(active_methods.person_name) <> customers.own_name
        ) as names_other_person,
        min(active_methods.contact_method_id) over (
            partition by active_methods.customer_id, active_methods.person_name
        ) as person_first_method_id,
        active_methods.type_rank,
        row_number() over (
            partition by active_methods.customer_id, active_methods.person_name, all_methods.contact_method_type
            order by all_methods.contact_method_id
        ) as person_type_rank

    from all_methods
    inner join customers on all_methods.customer_id = customers.customer_id
    left join active_methods on all_methods.contact_method_id = active_methods.contact_method_id

),

customer_ranked as (

    select
        *,
        -- the customer's own methods ranked apart from those of the people their memos name
        row_number() over (
            partition by customer_id, contact_method_type, coalesce(names_other_person, false), is_active
            order by contact_method_id
        ) as own_type_rank

    from customer_methods

),

customer_routed as (

    select
        contact_method_id,
        'customer' as method_owner,
        contact_method_type,
        contact_value,
        memo,
        is_active,
        preferences,
        coalesce(memo_clean <> person_name, memo_clean is not null) or preferences is not null as memo_in_line,
        case
            when not is_active then coalesce(contact_key, account_key)
            when is_commercial and person_name is not null
                then 'contact:' || cast(person_first_method_id as string)
            when is_commercial then account_key
            else contact_key
        end as record_key,
        case
            when not is_active then case when is_commercial then 'Account' else 'Contact' end
            when is_commercial and person_name is null then 'Account'
            else 'Contact'
        end as object_name,
        case
            when not is_active then 'Other_Contact_Methods__c'
            when is_commercial and person_name is null and contact_method_type = 'Phone' and type_rank = 1
                then 'Phone'
            when
                is_commercial and person_name is null and contact_method_type = 'Fax'
                and person_type_rank = 1
                then 'Fax'
            when is_commercial and person_name is null then 'Other_Contact_Methods__c'
            when
                is_commercial and contact_method_type in ('Email', 'Phone', 'MobilePhone', 'Fax')
                and person_type_rank = 1
                then contact_method_type
            when
                not is_commercial and contact_method_type in ('Email', 'Phone', 'MobilePhone', 'Fax')
                and not coalesce(names_other_person, false) and own_type_rank = 1
                then contact_method_type
            else 'Other_Contact_Methods__c'
        end as field_name

    from customer_ranked

),

site_routed as (

    select
        site_methods.contact_method_id,
        'site' as method_owner,
        site_methods.contact_method_type,
        site_methods.contact_value,
        site_methods.memo,
        coalesce(site_methods.is_active, true) as is_active,
        {{ contact_preferences('site_methods') }} as preferences,
        false as memo_in_line,
        case
            when sites.is_multi_site then 'location:' || cast(sites.location_id as string)
            else coalesce(customers.contact_key, customers.account_key)
        end as record_key,
        case
            when sites.is_multi_site then 'Location__c'
            when customers.is_commercial then 'Account'
            else 'Contact'
        end as object_name,
        case
            when sites.is_multi_site then 'Contact_Methods__c'
            else 'Other_Contact_Methods__c'
        end as field_name

    from site_methods
    inner join sites on site_methods.location_id = sites.location_id
    inner join customers on sites.customer_id = customers.customer_id

),

routed as (

    select * from customer_routed
    union all
    select * from site_routed

),

final as (

    select
        *,
        case when method_owner = 'site' and object_name <> 'Location__c' then 'Site ' else '' end
        || case contact_method_type
            when 'MobilePhone' then 'Mobile' else coalesce(contact_method_type, 'Contact method')
        end
        || ': ' || contact_value
        || coalesce(' (' || memo || ')', '')
        || coalesce(' [' || preferences || ']', '')
        || case when is_active then '' else ' [inactive]' end as method_line

    from routed
    where contact_value is not null

)

select * from final
