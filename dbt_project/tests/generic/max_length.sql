{#- Salesforce text fields have length limits DuckDB does not enforce (VARCHAR(n) is not checked). -#}
{% test max_length(model, column_name, length) %}

select {{ column_name }} as value, {{ dbt.length(column_name) }} as value_length
from {{ model }}
where {{ dbt.length(column_name) }} > {{ length }}

{% endtest %}
