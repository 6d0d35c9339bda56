-- One row per telecom call (raw_dispatch_pro.calls, telecom/v2 export/calls): renamed, cast; no joins.
-- `duration` is a .NET TimeSpan text (hh:mm:ss[.fffffff]); call_seconds is its whole seconds.
{% set raw = source('dispatch_pro', 'calls') -%}
{%- set cols = dp_columns(raw) -%}

with

source as (

    select * from {{ dp_source(raw, cols) }}

),

renamed as (

    select

        ---------- ids
        {{ dp_col(cols, 'id', 'bigint') }} as call_id,
        {{ dp_col(cols, 'customer__id', 'bigint') }} as customer_id,
        {{ dp_col(cols, 'location__id', 'bigint') }} as location_id,
        {{ dp_col(cols, 'job__id', 'bigint') }} as job_id,
        {{ dp_col(cols, 'agent__id', 'bigint') }} as agent_id,
        {{ dp_col(cols, 'campaign__id', 'bigint') }} as campaign_id,

        ---------- strings
        {{ dp_col(cols, 'direction', 'varchar') }} as call_direction,
        {{ dp_col(cols, 'status', 'varchar') }} as call_status,
        {{ dp_col(cols, 'type', 'varchar') }} as call_type,
        {{ dp_col(cols, 'from', 'varchar') }} as from_number,
        {{ dp_col(cols, 'to', 'varchar') }} as to_number,
        {{ dp_col(cols, 'duration', 'varchar') }} as duration_text,
        {{ dp_col(cols, 'reason__name', 'varchar') }} as reason_name,
        {{ dp_col(cols, 'customer__name', 'varchar') }} as customer_name,
        {{ dp_col(cols, 'job__number', 'varchar') }} as job_number,
        {{ dp_col(cols, 'agent__name', 'varchar') }} as agent_name,
        {{ dp_col(cols, 'created_by__name', 'varchar') }} as logged_by_name,
        {{ dp_col(cols, 'campaign__name', 'varchar') }} as campaign_name,
        {{ dp_col(cols, 'excuse_memo', 'varchar') }} as excuse_memo,
        {{ dp_col(cols, 'recording_url', 'varchar') }} as recording_url,
        {{ dp_col(cols, 'tag', 'varchar') }} as call_tag,

        ---------- booleans
        {{ dp_col(cols, 'active', 'boolean') }} as is_active,

        ---------- timestamps
        {{ dp_col(cols, 'created_on', 'timestamp') }} as created_on,
        {{ dp_col(cols, 'modified_on', 'timestamp') }} as modified_on

    from source

),

timed as (

    select
        *,
        cast({{ dbt.split_part('duration_text', "':'", 1) }} as integer) * 3600
        + cast({{ dbt.split_part('duration_text', "':'", 2) }} as integer) * 60
        + cast(floor(cast({{ dbt.split_part('duration_text', "':'", 3) }} as double)) as integer)
            as call_seconds
    from renamed

)

select * from timed
