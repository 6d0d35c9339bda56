-- Invoices with the amounts paid (payments applied to them), payment status, and the customer's keys; each
-- application as a line (date, amount, who applied it, reference), so its details travel with the invoice.

with

invoices as (

    select * from {{ ref('stg_dispatch_pro__invoices') }}

),

payments as (

    select
        payment_id,
        _dlt_id
    from {{ ref('stg_dispatch_pro__payments') }}
    where is_active is not false

),

applied as (

    select
        applied_to.invoice_id,
        sum(applied_to.applied_amount) as amount_paid,
        {{ dbt.listagg(
            "coalesce(cast(cast(applied_to.applied_on as date) as string), 'undated') || ': '"
            ~ " || cast(cast(applied_to.applied_amount as decimal(18, 2)) as string)"
            ~ " || coalesce(' by ' || applied_to.applied_by, '')"
            ~ " || coalesce(' (ref ' || applied_to.reference_number || ')', '')",
            "chr(10)",
            "order by applied_to.applied_on, applied_to.applied_amount") }} as payment_lines

    from {{ ref('stg_dispatch_pro__payments__applied_to') }} as applied_to
    inner join payments on applied_to._dlt_parent_id = payments._dlt_id
    group by applied_to.invoice_id

),

customers as (

    select
        customer_id,
        account_key,
        contact_key
    from {{ ref('int_customers_classified') }}

),

final as (

    select
        invoices.*,
        cast(coalesce(applied.amount_paid, 0) as decimal(38, 9)) as amount_paid,
        applied.payment_lines,
        customers.account_key,
        customers.contact_key,
        case
            -- a credit (negative total) still owed to the customer is not Paid
            when coalesce(invoices.total, 0) < 0 and coalesce(invoices.balance, 0) < 0 then 'Credit'
            when coalesce(invoices.balance, 0) <= 0 then 'Paid'
            when coalesce(applied.amount_paid, 0) > 0 then 'Partially Paid'
            else 'Unpaid'
        end as payment_status

    from invoices
    left join applied on invoices.invoice_id = applied.invoice_id
    left join customers on invoices.customer_id = customers.customer_id

)

select * from final
