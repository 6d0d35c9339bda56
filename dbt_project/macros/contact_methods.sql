{#- Contact-method memos. -#}

{% macro memo_names_relative(memo) -%}
    {#- True when a memo names someone by their relation or role rather than by name ("Owner’s daughter - Kelly",
        "tenant", "neighbor's cell", "property manager"): the method belongs to that person, not to the
        customer. Words are matched whole, case-insensitively (plain regular expressions, any adapter). -#}
    {%- set words = ['daughter', 'son', 'wife', 'husband', 'spouse', 'partner', 'mother', 'mom', 'father', 'dad',
        'brother', 'sister', 'grandmother', 'grandfather', 'grandma', 'grandpa', 'aunt', 'uncle', 'niece',
        'nephew', 'cousin', 'tenant', 'renter', 'landlord', 'neighbor', 'neighbour', 'friend', 'caretaker',
        'caregiver', 'nanny', 'housekeeper', 'roommate', 'realtor', 'in-law', 'property manager'] -%}
    coalesce({{ regexp_full_match(
        "' ' || lower(" ~ regexp_replace_all(memo, '[^A-Za-z-]+', ' ') ~ ") || ' '",
        '.* (' ~ (words | join('|')) ~ ')s? .*') }}, false)
{%- endmacro %}

{% macro contact_preferences(alias) -%}
    {#- A contact method's phone setting and notification preferences as text ("do not text: yes; marketing: no"),
        each one the source gives; null when it gives none. It ends the method's line (int_contact_methods_routed). -#}
    {%- set prefs = [('is_do_not_text', 'do not text'), ('is_job_reminders_enabled', 'job reminders'),
        ('is_marketing_updates_enabled', 'marketing'), ('is_invoice_notification', 'invoices'),
        ('is_invoice_statement_notification', 'invoice statements'),
        ('is_statement_notification', 'statements')] -%}
    nullif(concat_ws('; '
        {%- for column, label in prefs %},
        '{{ label }}: ' || case when {{ alias }}.{{ column }} then 'yes' when not {{ alias }}.{{ column }} then 'no' end
        {%- endfor %}
    ), '')
{%- endmacro %}
