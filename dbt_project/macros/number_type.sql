{#-
    Classify a dialled/presented number as toll_free or local.
    North American toll-free prefixes: 800 833 844 855 866 877 888. The number is reduced to its
    digits and a leading country code 1 is dropped (E.164 '+1800...' or 'tel:+1800...').
-#}
{% macro number_type_from_number(column_name) -%}
    case
        when {{ column_name }} is null then null
        when substr(
            case
                when length({{ digits_only(column_name) }}) = 11
                    and substr({{ digits_only(column_name) }}, 1, 1) = '1'
                    then substr({{ digits_only(column_name) }}, 2)
                else {{ digits_only(column_name) }}
            end,
            1,
            3
        ) in ('800', '833', '844', '855', '866', '877', '888') then 'toll_free'
        else 'local'
    end
{%- endmacro %}

{#- The digits of a text (every other character removed). -#}
{% macro digits_only(column_name) -%}
    {{ return(adapter.dispatch('digits_only')(column_name)) }}
{%- endmacro %}

{% macro default__digits_only(column_name) -%}
    regexp_replace({{ column_name }}, '[^0-9]', '', 'g')
{%- endmacro %}
