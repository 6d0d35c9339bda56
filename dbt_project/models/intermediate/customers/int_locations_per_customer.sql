-- One row per service location with its customer's site count: a customer with one site has its site as the
-- Account's ShippingAddress; a customer with several gets one Location__c per site.

with

locations as (

    select * from {{ ref('stg_dispatch_pro__locations') }}

),

counted as (

    select
        *,
        count(*) over (partition by customer_id) as customer_site_count,
        row_number() over (
            partition by customer_id
            order by case when is_active is false then 1 else 0 end, location_id
        ) as site_rank

    from locations

),

final as (

    select
        *,
        customer_site_count > 1 as is_multi_site,
        site_rank = 1 as is_primary_site,
        (street is null or city is null or state is null or zip is null) as is_address_incomplete

    from counted

)

select * from final
