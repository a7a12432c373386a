{#-
    The cost-center attribution precedence, most specific first, as data: one row per entry of
    var('attribution_precedence') (the order int_usage_items_attributed applies), with the lookup
    of dim_guardrail_cost_center_lookup it makes and the usage-item field that is its key. The
    receiver walks these rows in rule_order and stops at the first lookup that finds a cost center.
-#}

{%- set bindings = {
    'manual': ('manual', 'source_record_id'),
    'explicit': ('cost_center', 'explicit_cost_center'),
    'campaign': ('campaign', 'campaign'),
    'originating_queue': ('queue', 'originating_queue_id'),
    'originating_queue_parent': ('queue_parent', 'originating_queue_id'),
    'queue': ('queue', 'queue_id'),
    'queue_parent': ('queue_parent', 'queue_id'),
} -%}
{%- set precedence = var('attribution_precedence') -%}

with

rules as (

    {%- for rule in precedence %}
        {%- if rule not in bindings %}
            {{ exceptions.raise_compiler_error(
                "var attribution_precedence: unknown rule '" ~ rule ~ "' (known: "
                ~ (bindings.keys() | list | join(', ')) ~ ")"
            ) }}
        {%- endif %}
        select
            {{ loop.index }} as rule_order,
            '{{ rule }}' as rule_name,
            '{{ bindings[rule][0] }}' as lookup_kind,
            '{{ bindings[rule][1] }}' as input_field
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

),

final as (

    select
        cast(rule_order as integer) as rule_order,
        cast(rule_name as varchar) as rule_name,
        cast(lookup_kind as varchar) as lookup_kind,
        cast(input_field as varchar) as input_field
    from rules

)

select * from final
