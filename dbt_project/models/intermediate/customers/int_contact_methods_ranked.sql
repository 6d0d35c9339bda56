-- Customer contact methods, ranked per customer and type (the first Phone is the Account Phone), with the
-- person a memo names ("Mary Jones - Office Manager", "Facilities: Mary Jones", "Mary Jones (Owner)"):
-- such methods of commercial customers become Contacts on that Account. A memo that names a relative or another
-- role ("Owner’s daughter - Kelly", "tenant", "neighbour") says the method is someone else's (names_relative).

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

{#- the person a memo names, by its shape ("Mary Jones - Office Manager", "Facilities: Mary Jones",
    "Mary Jones (Owner)"), else the whole memo -#}
{%- set memo_name -%}
    case
        when {{ regexp_full_match('memo_clean', '.+ - .+') }} then regexp_extract(memo_clean, '^(.+?) - ', 1)
        when {{ regexp_full_match('memo_clean', '.+: .+') }} then regexp_extract(memo_clean, ': (.+)$', 1)
        when {{ regexp_full_match('memo_clean', '.+ \(.+\)') }} then regexp_extract(memo_clean, '^(.+?) \(', 1)
        else memo_clean
    end
{%- endset %}

final as (

    select
        *,
        -- a person: two or three capitalised words of letters (any script: "Søren Fisher", "Zoë Ōtsuka")
        case
            when {{ regexp_full_match(memo_name, "\p{Lu}[\p{L}\p{M}''.-]+( \p{Lu}[\p{L}\p{M}''.-]+){1,2}") }}
                then {{ memo_name }}
        end as person_name,
        {{ memo_names_relative('memo_clean') }} as names_relative

    from ranked

)

select * from final
