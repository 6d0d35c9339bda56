-- Duplicate-customer candidates: customers sharing a normalised name, phone digits and street+zip. The pre-scan
-- lists each group with a recommended action; both records still migrate (flagged, not merged).

with

customers as (

    select * from {{ ref('int_customers_classified') }}

),

keyed as (

    select
        customer_id,
        customer_name,
        lower(coalesce({{ squish('customer_name') }}, ''))
        || '|' || coalesce({{ regexp_replace_all('first_phone', '[^0-9]', '') }}, '')
        || '|' || lower(coalesce({{ squish('street') }}, ''))
        || '|' || coalesce(zip, '') as match_key

    from customers

),

grouped as (

    select
        *,
        count(*) over (partition by match_key) as group_size,
        min(customer_id) over (partition by match_key) as group_first_customer_id

    from keyed

),

final as (

    select
        customer_id,
        customer_name,
        match_key,
        group_size,
        'dup:' || cast(group_first_customer_id as string) as duplicate_group

    from grouped
    where group_size > 1

)

select * from final
