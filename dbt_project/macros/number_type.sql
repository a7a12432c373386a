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
                when length(regexp_replace({{ column_name }}, '[^0-9]', '', 'g')) = 11
                    and substr(regexp_replace({{ column_name }}, '[^0-9]', '', 'g'), 1, 1) = '1'
                    then substr(regexp_replace({{ column_name }}, '[^0-9]', '', 'g'), 2)
                else regexp_replace({{ column_name }}, '[^0-9]', '', 'g')
            end,
            1,
            3
        ) in ('800', '833', '844', '855', '866', '877', '888') then 'toll_free'
        else 'local'
    end
{%- endmacro %}
