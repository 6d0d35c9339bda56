-- One row per customer: commercial (→ Account) or residential (→ Contact under a numbered placeholder
-- Account of at most var('placeholder_bucket_size') Contacts; with var('person_accounts'), a Person Account
-- instead, whose person Contact carries the same key), with its first contact methods, primary site, and the
-- keys its Account and Contact carry in Salesforce.

with

customers as (

    select * from {{ ref('stg_dispatch_pro__customers') }}

),

methods as (

    select * from {{ ref('int_contact_methods_ranked') }}
    where type_rank = 1

),

sites as (

    select * from {{ ref('int_locations_per_customer') }}
    where is_primary_site

),

first_methods as (

    select
        customer_id,
        max(case when contact_method_type = 'Phone' then contact_value end) as first_phone,
        max(case when contact_method_type = 'MobilePhone' then contact_value end) as first_mobile_phone,
        max(case when contact_method_type = 'Email' then contact_value end) as first_email

    from methods
    group by customer_id

),

classified as (

    select
        customers.*,
        coalesce(lower(customers.customer_type) = 'commercial', false) as is_commercial,
        {{ first_name('customers.customer_name') }} as first_name,
        {{ last_name('customers.customer_name') }} as last_name,
        first_methods.first_phone,
        first_methods.first_mobile_phone,
        first_methods.first_email,
        sites.location_id as primary_location_id,
        coalesce(sites.customer_site_count, 0) as site_count,
        coalesce(sites.is_multi_site, false) as is_multi_site,
        sites.location_name as site_name,
        sites.is_tax_exempt as site_is_tax_exempt,
        sites.street as site_street,
        sites.unit as site_unit,
        sites.city as site_city,
        sites.state as site_state,
        sites.zip as site_zip,
        sites.country as site_country,
        sites.latitude as site_latitude,
        sites.longitude as site_longitude,
        (
            customers.street is null or customers.city is null
            or customers.state is null or customers.zip is null
        ) as is_address_incomplete

    from customers
    left join first_methods on customers.customer_id = first_methods.customer_id
    left join sites on customers.customer_id = sites.customer_id

),

bucketed as (

    select
        *,
        case
            when not is_commercial then
                cast(floor(
                    (row_number() over (partition by is_commercial order by customer_id) - 1)
                    / {{ var('placeholder_bucket_size') }}
                ) as integer) + 1
        end as placeholder_bucket

    from classified

),

persons as (

    select
        *,
        -- a residential customer becomes a Person Account where the org has them (issue 20 §3)
        (not is_commercial and {{ 'true' if var('person_accounts', false) else 'false' }}) as is_person_account

    from bucketed

),

final as (

    select
        *,
        case
            when is_commercial or is_person_account then 'customer:' || cast(customer_id as string)
            else 'placeholder:' || cast(placeholder_bucket as string)
        end as account_key,
        case
            when not is_commercial then 'customer:' || cast(customer_id as string)
        end as contact_key

    from persons

)

select * from final
