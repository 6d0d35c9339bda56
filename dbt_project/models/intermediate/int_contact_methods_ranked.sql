-- Customer contact methods, ranked per customer and type (the first Phone is the Account Phone), with the
-- person a commercial customer's memo names (such methods become Contacts on that Account).

with

methods as (

    select * from {{ ref('stg_dispatch_pro__customer_contacts') }}
    where is_active is not false

),

ranked as (

    select
        *,
        row_number() over (
            partition by customer_id, contact_method_type order by contact_method_id
        ) as type_rank,
        {{ squish('memo') }} as memo_clean

    from methods

),

final as (

    select
        *,
        -- a memo "names a person" when it is two or three capitalised words of letters (e.g. "Mary Jones")
        case
            when regexp_full_match(memo_clean, '[A-Z][A-Za-z''.-]+( [A-Z][A-Za-z''.-]+){1,2}')
                then memo_clean
        end as person_name

    from ranked

)

select * from final
