{#-
    Billable seconds of a leg: the duration rounded UP to the rate card's increment, then raised to
    the card's minimum. A zero-length leg bills nothing. increment 0 = per-second, no rounding.
-#}
{% macro billable_seconds(duration_ms, increment_seconds, minimum_seconds) -%}
    case
        when {{ duration_ms }} is null then null
        when {{ duration_ms }} <= 0 then 0
        else greatest(
            case
                when coalesce({{ increment_seconds }}, 0) <= 0
                    then cast({{ int_div(duration_ms ~ ' + 999', '1000') }} as bigint)
                else cast(
                    {{ int_div(
                        duration_ms ~ ' + ' ~ increment_seconds ~ ' * 1000 - 1',
                        increment_seconds ~ ' * 1000'
                    ) }} * {{ increment_seconds }} as bigint
                )
            end,
            coalesce({{ minimum_seconds }}, 0)
        )
    end
{%- endmacro %}

{#- Cost in micro-units of billable seconds at a per-minute rate (exact, half-up). -#}
{% macro per_minute_cost_micros(seconds_expression, rate_expression) -%}
    {{ int_div_round('cast(' ~ seconds_expression ~ ' as bigint) * ' ~ to_micros(rate_expression), '60') }}
{%- endmacro %}

{#- Deterministic surrogate key: md5 of the parts joined by '|' (nulls as empty). -#}
{% macro surrogate_key(parts) -%}
    {%- set items = [] -%}
    {%- for part in parts -%}
        {%- do items.append("coalesce(" ~ key_text(part) ~ ", '')") -%}
    {%- endfor -%}
    {{ dbt.hash(items | join(" || '|' || ")) }}
{%- endmacro %}
