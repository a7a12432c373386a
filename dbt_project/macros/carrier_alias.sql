{#- The carrier a platform's own provider name stands for (var carrier_aliases), else the name itself. -#}
{% macro carrier_alias(platform, expression) -%}
    {%- set aliases = var('carrier_aliases', {}).get(platform, {}) -%}
    {%- if aliases -%}
        coalesce(
            case lower({{ expression }})
            {%- for name, carrier in aliases.items() %}
                when '{{ name | lower }}' then '{{ carrier }}'
            {%- endfor %}
            end,
            {{ expression }}
        )
    {%- else -%}
        {{ expression }}
    {%- endif -%}
{%- endmacro %}
