-- One row per record that receives contact methods (Account, Contact, Location__c): the standard fields and
-- the remaining methods one per line, from int_contact_methods_routed; a method in a standard field whose memo
-- says something (memo_in_line) has its line too, so the memo travels with its value.

with

routed as (

    select * from {{ ref('int_contact_methods_routed') }}

),

pivoted as (

    select
        object_name,
        record_key,
        max(case when field_name = 'Phone' then contact_value end) as phone,
        max(case when field_name = 'MobilePhone' then contact_value end) as mobile_phone,
        max(case when field_name = 'Email' then contact_value end) as email,
        max(case when field_name = 'Fax' then contact_value end) as fax,
        {{ dbt.listagg(
            "case when field_name = 'Other_Contact_Methods__c' or memo_in_line then method_line end",
            'chr(10)', 'order by method_owner, contact_method_id') }} as other_methods,
        {{ dbt.listagg(
            "case when field_name = 'Contact_Methods__c' then method_line end",
            'chr(10)', 'order by contact_method_id') }} as site_methods

    from routed
    group by object_name, record_key

)

select * from pivoted
