-- A source value that no value map knows (a job status, a priority, an item type, a scheduling tool: every
-- field the seeds map, rule unmapped_value) fails `dbt build`, naming each value, instead of loading a record
-- without it: add a row to its seeds/map_*.csv (`dp2sf map propose` appends a proposed row that the build uses).
-- The quarantine models are still built, so `map propose` reads the values from them.

with

unmapped as (

    select
        object_name,
        column_name,
        value,
        regexp_extract(reason, 'seed:([a-z_]+)', 1) as seed,
        count(*) as records
    from {{ ref('quarantine_all') }}
    where rule = 'unmapped_value'
    group by object_name, column_name, value, reason

    union all

    select
        object_name,
        column_name,
        value,
        regexp_extract(reason, 'seed:([a-z_]+)', 1) as seed,
        count(*) as records
    from {{ ref('flagged_values') }}
    where rule = 'unmapped_value'
    group by object_name, column_name, value, reason

),

listed as (

    select
        {{ dbt.listagg(
            "object_name || '.' || column_name || ' ' || chr(39) || value || chr(39) || ' ('"
            ~ " || cast(records as string) || ' records, seeds/' || seed || '.csv)'",
            "', '",
            "order by object_name, column_name, value") }} as values_listed
    from unmapped

)

-- the error is raised in the filter (a count(*) over the test would not evaluate a selected column)
select values_listed
from listed
where
    case
        when values_listed is null then false
        else {{ raise_error("'no value map knows ' || values_listed || ': add a row to the seed'") }}
            is null
    end
