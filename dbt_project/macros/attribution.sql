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

{#-
    The candidates' lookups for the rows of CTE `keys` (columns platform, usage_date,
    source_record_id, explicit_cost_center, originating_queue_id, queue_id, campaign): manual
    attribution, registered explicit cost center, originating / handling queue mapping (with its
    parent chain) and campaign mapping in force on usage_date. Needs the CTEs mappings_daily,
    manual_attributions and cost_centers. One select, shared by every model that attributes.
-#}
{% macro attribution_lookups(keys) -%}
    select
        {{ keys }}.*,
        manual_cost_centers.cost_center as manual_cost_center,
        explicit_cost_centers.cost_center as registered_explicit_cost_center,
        manual_attributions.batch_id as manual_batch_id,
        originating.cost_center as originating_cost_center,
        originating.mapping_version as originating_mapping_version,
        originating.resolved_cost_center as originating_parent_cost_center,
        originating.resolved_mapping_version as originating_parent_mapping_version,
        handling.cost_center as queue_cost_center,
        handling.mapping_version as queue_mapping_version,
        handling.resolved_cost_center as queue_parent_cost_center,
        handling.resolved_mapping_version as queue_parent_mapping_version,
        campaigns.cost_center as campaign_cost_center,
        campaigns.mapping_version as campaign_mapping_version
    from {{ keys }}
    left join manual_attributions
        on {{ keys }}.source_record_id = manual_attributions.source_record_id
    left join cost_centers as manual_cost_centers
        on manual_attributions.cost_center = manual_cost_centers.cost_center
    left join cost_centers as explicit_cost_centers
        on {{ keys }}.explicit_cost_center = explicit_cost_centers.cost_center
    left join mappings_daily as originating
        on {{ keys }}.platform = originating.platform
            and originating.key_type = 'queue'
            and {{ keys }}.originating_queue_id = originating.mapping_key
            and {{ keys }}.usage_date = originating.date_day
    left join mappings_daily as handling
        on {{ keys }}.platform = handling.platform
            and handling.key_type = 'queue'
            and {{ keys }}.queue_id = handling.mapping_key
            and {{ keys }}.usage_date = handling.date_day
    left join mappings_daily as campaigns
        on {{ keys }}.platform = campaigns.platform
            and campaigns.key_type = 'campaign'
            and {{ keys }}.campaign = campaigns.mapping_key
            and {{ keys }}.usage_date = campaigns.date_day
{%- endmacro %}
