-- Case rows before the quarantine rules: one per job, with status and priority mapped (int_jobs_mapped), the
-- customer's Account/Contact, the site's Location__c (customers with several sites), the schedule, the
-- Dispatch Pro metadata, the primary technician's email for the owner, and the job custom properties.
-- depends_on: {{ ref('custom_fields') }}

with

jobs as (

    select * from {{ ref('int_jobs_mapped') }}

),

customers as (

    select
        customer_id,
        account_key,
        contact_key
    from {{ ref('int_customers_classified') }}

),

sites as (

    select
        location_id,
        is_multi_site
    from {{ ref('int_locations_per_customer') }}

),

record_types as (

    -- the analyst's choice of record type per job type (empty: the org's default record type)
    select
        source_value,
        record_type
    from {{ ref('map_record_type') }}
    where object_name = 'Case' and source_kind = 'job_type'

),

job_types as (

    select * from {{ ref('stg_dispatch_pro__job_types') }}

),

business_units as (

    select * from {{ ref('stg_dispatch_pro__business_units') }}

),

first_appointments as (

    select
        *,
        row_number() over (partition by job_id order by starts_at, appointment_id) as appointment_rank
    from {{ ref('stg_dispatch_pro__appointments') }}

),

technicians as (

    select * from {{ ref('int_job_primary_technicians') }}
    where is_job_primary

),

signatures as (

    -- a signature captured on a form (a signature unit not refused) or a stored signature image
    select
        job_id,
        bool_or(is_captured) as has_signature
    from (
        select
            job_id,
            is_captured
        from {{ ref('int_signatures') }}
        union all
        select
            job_id,
            true as is_captured
        from {{ ref('stg_dispatch_pro__files') }}
        where file_kind = 'signature'
    ) as captures
    group by job_id

),

signature_facts as (

    -- the job's latest signature: who signed and when, or the refusal and its reason
    select * from {{ ref('int_signatures') }}
    where is_latest_for_job

),

custom as (

    select * from {{ ref('int_job_custom_fields_pivoted') }}

),

team as (

    select
        job_id,
        {{ dbt.listagg('assignment_lines', 'chr(10)', 'order by appointment_id') }} as assignment_lines
    from {{ ref('int_appointment_technicians') }}
    group by job_id

),

joined as (

    select
        jobs.*,
        customers.account_key,
        customers.contact_key,
        sites.is_multi_site,
        job_types.job_type_name,
        record_types.record_type,
        business_units.business_unit_name,
        first_appointments.starts_at,
        first_appointments.ends_at,
        first_appointments.arrival_window_start,
        first_appointments.arrival_window_end,
        technicians.technician_email,
        team.assignment_lines,
        signature_facts.signer_name as signature_signer,
        signature_facts.captured_on as signature_captured_on,
        signature_facts.is_refused as signature_refused,
        signature_facts.refusal_reason as signature_refusal_reason,
        coalesce(signatures.has_signature, false) as has_signature

    from jobs
    left join customers on jobs.customer_id = customers.customer_id
    left join sites on jobs.location_id = sites.location_id
    left join job_types on jobs.job_type_id = job_types.job_type_id
    left join record_types on job_types.job_type_name = record_types.source_value
    left join business_units on jobs.business_unit_id = business_units.business_unit_id
    left join first_appointments
        on jobs.job_id = first_appointments.job_id and first_appointments.appointment_rank = 1
    left join technicians on jobs.job_id = technicians.job_id
    left join signatures on jobs.job_id = signatures.job_id
    left join signature_facts on jobs.job_id = signature_facts.job_id
    left join team on jobs.job_id = team.job_id

),

final as (

    select
        ---------- identity and text
        'job:' || cast(joined.job_id as string) as "Dispatch_Pro_Id__c",
        nullif(concat_ws(' - ', joined.job_type_name, 'Job ' || joined.job_number), '')
            as "Subject",
        {{ html_to_text('joined.summary_html') }} as "Description",
        {{ html_text_flag_columns('joined.summary_html', 'Description') }},
        joined.job_number as "Source_Job_Number__c",
        joined.customer_po as "Customer_PO__c",
        joined.assignment_lines as "Technician_Assignments__c",

        ---------- status and priority through the value maps (originals kept)
        joined.case_status as "Status",
        joined.job_status as "_src_status",
        joined.job_status as "Dispatch_Pro_Status__c",
        joined.closed_reason as "Closed_Reason__c",
        joined.case_priority as "Priority",
        joined.mapped_source_priority as "Dispatch_Pro_Priority__c",
        joined.source_priority as "_src_priority",

        ---------- parents
        joined.account_key as "Account.Dispatch_Pro_Id__c",
        joined.contact_key as "Contact.Dispatch_Pro_Id__c",
        case
            when joined.is_multi_site then 'location:' || cast(joined.location_id as string)
        end as "Location__r.Dispatch_Pro_Id__c",

        ---------- job details
        joined.job_type_name as "Job_Type__c",
        joined.business_unit_name as "Business_Unit__c",
        joined.starts_at as "Scheduled_Start__c",
        joined.ends_at as "Scheduled_End__c",
        joined.arrival_window_start as "Arrival_Window_Start__c",
        joined.arrival_window_end as "Arrival_Window_End__c",
        joined.sla_due_on as "SLA_Due__c",
        joined.auto_dispatched as "Auto_Dispatched__c",
        joined.has_signature as "Signature_Captured__c",
        joined.signature_signer as "Signature_Signer__c",
        joined.signature_captured_on as "Signature_Captured_At__c",
        joined.signature_refused as "Signature_Refused__c",
        joined.signature_refusal_reason as "Signature_Refusal_Reason__c",
        joined.completed_on as "Completed_On__c",
        joined.created_on as "Source_Created_Date__c",
        coalesce(joined.is_active, true) as "Dispatch_Pro_Active__c",
        joined.is_no_charge as "No_Charge__c",
        joined.is_notifications_enabled as "Notifications_Enabled__c",
        joined.is_locked_to_technician as "Locked_To_Technician__c",
        joined.optimization_score as "Optimization_Score__c",
        {{ custom_field_columns('Case', 'custom') }}

        ---------- owner: resolved by the loader from the technician email
        coalesce(joined.technician_email, '{{ var("fallback_owner_email") }}') as "_owner_email",
        joined.technician_email is null as "_owner_fallback",
        ---------- record type: resolved by the loader from its developer name
        joined.record_type as "_record_type"

    from joined
    left join custom on joined.job_id = custom.job_id

)

select * from final
