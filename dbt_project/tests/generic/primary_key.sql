{#- A model's grain: every row has a key and no key is on two rows (dbt's `unique` and `not_null` in one query,
    so a view is read once, not twice). A failing row is a key value (null for the missing ones) and how many
    rows carry it. -#}
{% test primary_key(model, column_name) %}

select
    {{ column_name }} as key_value,
    count(*) as rows_with_key
from {{ model }}
group by {{ column_name }}
having count(*) > 1 or {{ column_name }} is null

{% endtest %}
