{#-
    Classify a dialled/presented number as toll_free or local.
    North American toll-free prefixes: 800 833 844 855 866 877 888. The number is reduced to its
    digits and a leading country code 1 is dropped (E.164 '+1800...' or 'tel:+1800...').
-#}
{% macro number_type_from_number(column_name) -%}
    {#- one regular expression on the digits (toll-free prefix after an optional leading 1 of an
        11-digit number) instead of several substrings of the digits, each a regexp_replace -#}
    case
        when {{ column_name }} is null then null
        when {{ regex_matches(
            digits_only(column_name),
            "'^(1(800|833|844|855|866|877|888)[0-9]{7}$|(800|833|844|855|866|877|888))'"
        ) }} then 'toll_free'
        else 'local'
    end
{%- endmacro %}

{#- Whether a text contains a match of a regular expression (a quoted SQL literal). -#}
{% macro regex_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_matches')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ pattern }})
{%- endmacro %}

{% macro postgres__regex_matches(expression, pattern) -%}
    ({{ expression }} ~ {{ pattern }})
{%- endmacro %}

{% macro spark__regex_matches(expression, pattern) -%}
    ({{ expression }} rlike {{ pattern }})
{%- endmacro %}

{#- The digits of a text (every other character removed). -#}
{% macro digits_only(column_name) -%}
    {{ return(adapter.dispatch('digits_only')(column_name)) }}
{%- endmacro %}

{% macro default__digits_only(column_name) -%}
    regexp_replace({{ column_name }}, '[^0-9]', '', 'g')
{%- endmacro %}
