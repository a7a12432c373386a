{#-
    Cost-center attribution, generated from var('attribution_precedence') (most specific first),
    so the order lives once (dbt_project.yml). Each key names a candidate: the column holding its
    cost center, the attribution_method it yields and the mapping_version it records.
      manual                    a reviewed row in raw.manual_attributions ('manual')
      explicit                  the conversation's explicit cost_center attribute, if registered ('direct')
      campaign                  the campaign's mapping ('campaign')
      originating_queue         the originating (first ACD) queue's own mapping: 'direct' on that
                                queue, 'inherited' on every overflow / fallback / transfer queue after it
      originating_queue_parent  the originating queue's parent chain ('parent_default')
      queue                     the item's own (handling) queue ('direct')
      queue_parent              the handling queue's parent chain ('parent_default')
    Nothing matched: var('unattributed_cost_center'), method 'unattributed', version 'no_mapping'.
-#}
{% macro attribution_candidates() -%}
    {{ return({
        'manual': {
            'cost_center': 'manual_cost_center',
            'method': "'manual'",
            'version': "coalesce('manual:' || manual_batch_id, 'manual')",
        },
        'explicit': {
            'cost_center': 'registered_explicit_cost_center',
            'method': "'direct'",
            'version': "'conversation_attribute'",
        },
        'campaign': {
            'cost_center': 'campaign_cost_center',
            'method': "'campaign'",
            'version': 'campaign_mapping_version',
        },
        'originating_queue': {
            'cost_center': 'originating_cost_center',
            'method': "case when queue_id is null or queue_id = originating_queue_id then 'direct' else 'inherited' end",
            'version': 'originating_mapping_version',
        },
        'originating_queue_parent': {
            'cost_center': 'originating_parent_cost_center',
            'method': "'parent_default'",
            'version': 'originating_parent_mapping_version',
        },
        'queue': {
            'cost_center': 'queue_cost_center',
            'method': "'direct'",
            'version': 'queue_mapping_version',
        },
        'queue_parent': {
            'cost_center': 'queue_parent_cost_center',
            'method': "'parent_default'",
            'version': 'queue_parent_mapping_version',
        },
    }) }}
{%- endmacro %}

{#- The precedence as a list of candidates (fails the build on an unknown key). -#}
{% macro attribution_order() -%}
    {%- set candidates = attribution_candidates() -%}
    {%- set order = [] -%}
    {%- for key in var('attribution_precedence') -%}
        {%- if key not in candidates -%}
            {{ exceptions.raise_compiler_error(
                "var attribution_precedence: unknown key '" ~ key ~ "' (known: "
                ~ (candidates.keys() | list | join(', ')) ~ ")"
            ) }}
        {%- endif -%}
        {%- do order.append(candidates[key]) -%}
    {%- endfor -%}
    {{ return(order) }}
{%- endmacro %}

{#- attribution_method, cost_center and mapping_version columns, first matching candidate wins. -#}
{% macro attribution_columns() -%}
    {%- set order = attribution_order() -%}
        case
            {%- for candidate in order %}
            when {{ candidate.cost_center }} is not null then {{ candidate.method }}
            {%- endfor %}
            else 'unattributed'
        end as attribution_method,
        coalesce(
            {%- for candidate in order %}
            {{ candidate.cost_center }},
            {%- endfor %}
            '{{ var("unattributed_cost_center") }}'
        ) as cost_center,
        case
            {%- for candidate in order %}
            when {{ candidate.cost_center }} is not null then {{ candidate.version }}
            {%- endfor %}
            else 'no_mapping'
        end as mapping_version
{%- endmacro %}
