{#- Salesforce text fields have length limits DuckDB does not enforce (VARCHAR(n) is not checked). One test per
    mart (mapping/contracts.py writes `lengths`, column → the field's length, from the seeds): every value longer
    than its field allows, with its column. One node instead of one per column: each node costs dbt a compile,
    a query and a result, paid on every build. -#}
{% test max_lengths(model, lengths) %}
{%- for column, length in lengths.items() %}
select
    {{ sql_string(column) }} as column_name,
    {{ dbt.length(adapter.quote(column)) }} as value_length,
    {{ length | int }} as max_length
from {{ model }}
where {{ dbt.length(adapter.quote(column)) }} > {{ length | int }}
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
