-- Every quarantined row of every object in one table (what the ledger's quarantine and the reports read).
{%- set objects = ['account', 'contact', 'location', 'skill', 'case', 'line_item', 'job_status_history', 'event',
    'casecomment', 'contentversion', 'task'] -%}
{%- if var('invoices') == 'order' -%}
    {%- set objects = objects + ['order', 'orderitem', 'product2', 'pricebookentry'] -%}
{%- else -%}
    {%- set objects = objects + ['invoice', 'invoice_line'] -%}
{%- endif %}

{% for name in objects -%}
    select * from {{ ref('quarantine_' ~ name) }}
    {{ 'union all' if not loop.last }}
{% endfor %}
