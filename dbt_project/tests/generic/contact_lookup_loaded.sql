{#- dbt's relationships test for a lookup to Contact, where a residential customer's Contact may be the
    person Contact of a Person Account instead (var('person_accounts'), issue 20 §3): its key is the
    Account's Dispatch_Pro_Id__pc, the value Salesforce gives the person Contact's Dispatch_Pro_Id__c. -#}
{% test contact_lookup_loaded(model, column_name, to, field) %}

select {{ column_name }} as value
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (select {{ field }} from {{ to }} where {{ field }} is not null)
    {%- if var('person_accounts', false) %}
    and {{ column_name }} not in (
        select "Dispatch_Pro_Id__pc" from {{ ref('Account') }} where "Dispatch_Pro_Id__pc" is not null
    )
    {%- endif %}

{% endtest %}
