-- Skill__c rows before the quarantine rules: each technician's skills (typed Skill, Certification or License by
-- the map_skill_type seed: EPA 608 is a certification, not a skill), ServiceTitan licence tier (licenseType:
-- ManagedTech…, the seat the technician uses, typed License Tier, not a certification) and service zones, with
-- the technician's normalised email (the loader looks the User up by it).

with

technicians as (

    select * from {{ ref('int_technicians_resolved') }}

),

nested_skills as (

    select
        technicians.technician_id,
        skills.skill_name
    from {{ ref('stg_dispatch_pro__technicians__skills') }} as skills
    inner join technicians on skills._dlt_parent_id = technicians._dlt_id

),

listed_skills as (

    select
        technician_id,
        skill_name
    from {{ ref('stg_dispatch_pro__technician_skills') }}
    where is_active is not false

),

zone_ids as (

    select
        technicians.technician_id,
        zone_ids.zone_id
    from {{ ref('stg_dispatch_pro__technicians__zone_ids') }} as zone_ids
    inner join technicians on zone_ids._dlt_parent_id = technicians._dlt_id

    union

    select
        technician_id,
        main_zone_id
    from technicians
    where main_zone_id is not null

),

skill_types as (

    select
        skill_type,
        lower(skill_name) as skill_key
    from {{ ref('map_skill_type') }}

),

named_skills as (

    select
        technician_id,
        {{ squish('skill_name') }} as skill_name
    from nested_skills
    union
    select
        technician_id,
        {{ squish('skill_name') }} as skill_name
    from listed_skills

),

entries as (

    select distinct  -- noqa: ST06
        named_skills.technician_id,
        coalesce(skill_types.skill_type, 'Skill') as skill_type,
        named_skills.skill_name
    from named_skills
    left join skill_types on lower(named_skills.skill_name) = skill_types.skill_key

    union

    select
        technician_id,
        'License Tier' as skill_type,
        {{ squish('license_type') }} as skill_name
    from technicians
    where license_type is not null

    union

    select
        zone_ids.technician_id,
        'Service Zone' as skill_type,
        coalesce(zones.zone_name, 'Zone ' || cast(zone_ids.zone_id as string)) as skill_name
    from zone_ids
    left join {{ ref('stg_dispatch_pro__zones') }} as zones on zone_ids.zone_id = zones.zone_id

),

final as (

    select  -- noqa: ST06
        'skill:' || cast(entries.technician_id as string)
        || ':' || lower(replace(entries.skill_type, ' ', '_'))
        || ':' || lower(entries.skill_name) as "Dispatch_Pro_Id__c",
        entries.skill_name as "Name",
        entries.skill_type as "Skill_Type__c",
        cast(entries.technician_id as string) as "Technician_Id__c",
        technicians.technician_name as "Technician_Name__c",
        technicians.email as "Technician_Email__c",
        technicians.email as "_user_email"

    from entries
    left join technicians on entries.technician_id = technicians.technician_id

)

select * from final
