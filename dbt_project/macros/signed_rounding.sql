{#-
    numerator / denominator rounded half away from zero (as Python's ROUND_HALF_UP does), for a
    signed integer numerator and a positive integer denominator; an integer.
-#}
{% macro signed_div_round(numerator, denominator) -%}
    case
        when ({{ numerator }}) < 0
            then -{{ int_div_round('-(' ~ numerator ~ ')', denominator) }}
        else {{ int_div_round(numerator, denominator) }}
    end
{%- endmacro %}

{#- A money DECIMAL rounded half away from zero to whole cents, as DECIMAL(18,2). -#}
{% macro round_cents(decimal_expression) -%}
    cast({{ cents_to_decimal(signed_div_round(to_micros(decimal_expression), '10000')) }} as decimal(18, 2))
{%- endmacro %}
