{#-
    Exact integer arithmetic for money. DuckDB turns DECIMAL division into DOUBLE, so every
    division on money is done on integers (micro-units or cents) and converted back to DECIMAL.
-#}

{#- Integer floor division of non-negative integers. -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    div(cast({{ numerator }} as numeric), cast({{ denominator }} as numeric))
{%- endmacro %}

{% macro duckdb__int_div(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) // cast({{ denominator }} as hugeint))
{%- endmacro %}

{#- Remainder of integer division of non-negative integers. -#}
{% macro int_mod(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_mod')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_mod(numerator, denominator) -%}
    mod(cast({{ numerator }} as numeric), cast({{ denominator }} as numeric))
{%- endmacro %}

{% macro duckdb__int_mod(numerator, denominator) -%}
    (cast({{ numerator }} as hugeint) % cast({{ denominator }} as hugeint))
{%- endmacro %}

{#- numerator / denominator rounded half up, for non-negative integers (an integer). -#}
{% macro int_div_round(numerator, denominator) -%}
    cast({{ int_div(
        '2 * cast(' ~ numerator ~ ' as ' ~ wide_int() ~ ') + (' ~ denominator ~ ')',
        '2 * (' ~ denominator ~ ')'
    ) }} as bigint)
{%- endmacro %}

{#- A DECIMAL with 6 decimals as an exact integer count of micro-units. -#}
{% macro to_micros(decimal_expression) -%}
    {{ return(adapter.dispatch('to_micros')(decimal_expression)) }}
{%- endmacro %}

{% macro default__to_micros(decimal_expression) -%}
    cast(cast({{ decimal_expression }} as decimal(18, 6)) * 1000000 as bigint)
{%- endmacro %}

{#- DuckDB keeps DECIMAL(18, 6) x integer literal at width 18, which overflows from 1 000 000.00
    (e.g. a shift's 28-day cost at 10 M conversations); a BIGINT factor widens the product to
    DECIMAL(37, 6) - the same value, up to the BIGINT range of the result -#}
{% macro duckdb__to_micros(decimal_expression) -%}
    cast(cast({{ decimal_expression }} as decimal(18, 6)) * cast(1000000 as bigint) as bigint)
{%- endmacro %}

{#- An integer count of micro-units back to DECIMAL(18,6). -#}
{% macro micros_to_decimal(integer_expression) -%}
    cast(cast({{ integer_expression }} as decimal(18, 0)) * cast(0.000001 as decimal(18, 6)) as decimal(18, 6))
{%- endmacro %}

{#- An integer count of cents back to DECIMAL(18,6). -#}
{% macro cents_to_decimal(integer_expression) -%}
    cast(cast({{ integer_expression }} as decimal(18, 0)) * cast(0.01 as decimal(18, 6)) as decimal(18, 6))
{%- endmacro %}

{#- An integer type wide enough for products of money and minutes (hugeint / numeric). -#}
{% macro wide_int() -%}
    {{ return(adapter.dispatch('wide_int')()) }}
{%- endmacro %}

{% macro default__wide_int() -%}numeric{%- endmacro %}

{% macro duckdb__wide_int() -%}hugeint{%- endmacro %}

{#- 100 x numerator / denominator for DECIMAL money of any sign (denominator > 0), exact to 6
    decimals (half up on the magnitude); null when the denominator is null or not positive. -#}
{% macro money_pct(numerator, denominator) -%}
    cast(case
        when ({{ denominator }}) is null or ({{ denominator }}) <= 0 or ({{ numerator }}) is null then null
        else (case when ({{ numerator }}) < 0 then -1 else 1 end)
            * {{ micros_to_decimal(int_div_round(
                'cast(' ~ to_micros('abs(' ~ numerator ~ ')') ~ ' as ' ~ wide_int() ~ ') * 100000000',
                to_micros(denominator)
            )) }}
    end as decimal(18, 6))
{%- endmacro %}
