{#- The Salesforce field list lives in two seeds (salesforce_fields, custom_fields). These macros read them at
    run time so the marts, the quarantine rules and the manifest all derive from that one list. -#}

{% macro seed_relation(name) -%}
    {#- The seed's table, read directly (not through ref()): inside a dbt unit test ref() names a fixture CTE that
        run_query cannot see. Models still declare `-- depends_on: ref(...)` for the DAG. -#}
    {%- set node = (graph.get('nodes') or {}).get('seed.' ~ project_name ~ '.' ~ name) -%}
    {%- if node -%}
        {{ return(api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endif -%}
    {#- unit tests see no graph: seeds live in schema `mapping` (dbt_project.yml) -#}
    {{ return(api.Relation.create(database=target.get('database'), schema='mapping', identifier=name)) }}
{%- endmacro %}

{% macro mart_column(field, type, reference_to) -%}
    {#- The column a mart carries for a field: lookups are written as relationship columns resolved by the
        parent's external id (AccountId → Account.Dispatch_Pro_Id__c, Case__c → Case__r.Dispatch_Pro_Id__c). -#}
    {%- if type in ('Lookup', 'MasterDetail') -%}
        {%- if field.endswith('__c') -%}{{ field[:-3] ~ '__r.Dispatch_Pro_Id__c' }}
        {%- elif field.endswith('Id') -%}{{ field[:-2] ~ '.Dispatch_Pro_Id__c' }}
        {%- else -%}{{ field ~ '.Dispatch_Pro_Id__c' }}{%- endif -%}
    {%- else -%}{{ field }}{%- endif -%}
{%- endmacro %}

{% macro sf_fields(object_name) -%}
    {#- Fields of one object as dicts: field, column (mart column), type, length, required, reference_to,
        picklist ('seed:<seed>.<column>' or 'values:a|b'), source_column, scale (numbers). Empty at parse time. -#}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        select
            field, type, coalesce(cast(length as integer), 0) as length, required, reference_to, picklist,
            source_column, {{ seed_position() }} as position, cast(scale as integer) as scale
        from {{ seed_relation('salesforce_fields') }}
        where object = '{{ object_name }}'
            -- lookups to User are resolved by the loader (from a helper email column), not mart columns
            and not (type in ('Lookup', 'MasterDetail') and reference_to = 'User')
        union all
        select
            api_name, type, coalesce(cast(length as integer), 0), false, null,
            case when picklist_values is not null then 'values:' || picklist_values end,
            '_src__' || api_name, 100000 + {{ seed_position() }}, cast(scale as integer)
        from {{ seed_relation('custom_fields') }}
        where object = '{{ object_name }}'
        order by position
    {%- endset -%}
    {%- set fields = [] -%}
    {%- for row in run_query(query).rows -%}
        {%- do fields.append({
            'field': row[0], 'column': mart_column(row[0], row[1], row[4]), 'type': row[1], 'length': row[2],
            'required': row[3] in (true, 'true', 'True'), 'reference_to': row[4], 'picklist': row[5],
            'source_column': row[6], 'scale': row[8]}) -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}

{% macro picklist_values_sql(picklist) -%}
    {#- A SQL list (subquery or literal list) of the allowed values of a picklist. The value-map seed is read
        directly (seed_relation): it is upstream of the object's prepared model, so already built. -#}
    {%- if picklist.startswith('seed:') -%}
        {%- set seed_name, seed_column = picklist[5:].split('.') -%}
        select {{ seed_column }} from {{ seed_relation(seed_name) }} where {{ seed_column }} is not null
    {%- else -%}
        {%- for value in picklist[7:].split('|') -%}{{ sql_string(value) }}{{ ', ' if not loop.last }}{%- endfor -%}
    {%- endif -%}
{%- endmacro %}
