-- Technicians with the normalised email (lower(trim())) the loader matches to existing Salesforce Users by.

with

technicians as (

    select * from {{ ref('stg_dispatch_pro__technicians') }}

),

final as (

    select
        technician_id,
        technician_name,
        email_raw,
        {{ normalise_email('email_raw') }} as email,
        {{ normalise_email('email_raw') }} is null as is_missing_email,
        coalesce(email_raw <> {{ normalise_email('email_raw') }}, false) as is_email_normalised,
        license_type,
        main_zone_id,
        is_active,
        _dlt_id

    from technicians

)

select * from final
