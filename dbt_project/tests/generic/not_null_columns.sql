{#- The fields Salesforce requires, one test per mart (mapping/contracts.py lists `columns` from the seeds): a row
    per record missing a value, with its column and its key. One node instead of one per column: each node costs
    dbt a compile, a query and a result on every build (and Spark a job). -#}
{% test not_null_columns(model, columns, key='Dispatch_Pro_Id__c') %}
{%- for column in columns %}
select
    {{ sql_string(column) }} as column_name,
    {{ adapter.quote(key) }} as record_key
from {{ model }}
where {{ adapter.quote(column) }} is null
{%- if not loop.last %}
union all
{%- endif %}
{%- endfor %}
{% endtest %}
