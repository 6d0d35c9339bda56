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
