{#-
    Largest-remainder (Hamilton) apportionment of an integer amount of cents.

    relation        a CTE/relation with one row per recipient
    partition_by    list of columns identifying one amount (e.g. ['month', 'cost_pool'])
    weight_column   non-negative integer weight (e.g. queue milliseconds); its sum per
                    partition must be > 0 (route zero-weight partitions elsewhere)
    total_column    the integer cents to distribute in that partition (same on every row)
    tie_breaker     column ordering recipients with equal remainders (deterministic)

    Every recipient gets floor(weight * total / sum_weight) cents; the cents left over go one each
    to the rows with the largest remainders. The result column allocated_cents sums to
    total_column exactly in every partition. Helper columns are prefixed lr_.
-#}
{% macro largest_remainder(relation, partition_by, weight_column, total_column, tie_breaker) -%}
    {%- set partition = partition_by | join(', ') -%}
    {%- set numerator = 'cast(' ~ weight_column ~ ' as ' ~ wide_int() ~ ') * cast(' ~ total_column ~ ' as ' ~ wide_int() ~ ')' -%}
    {%- set denominator = 'sum(cast(' ~ weight_column ~ ' as ' ~ wide_int() ~ ')) over (partition by ' ~ partition ~ ')' -%}
    select
        lr_ranked.*,
        lr_ranked.lr_floor_cents
        + case when lr_ranked.lr_rank <= lr_ranked.lr_leftover_cents then 1 else 0 end
        as allocated_cents
    from (
        select
            lr_floored.*,
            row_number() over (
                partition by {{ partition }}
                order by lr_floored.lr_remainder desc, {{ tie_breaker }}
            ) as lr_rank,
            lr_floored.{{ total_column }}
            - sum(lr_floored.lr_floor_cents) over (partition by {{ partition }})
            as lr_leftover_cents
        from (
            select
                lr_input.*,
                cast({{ int_div(numerator, denominator) }} as bigint) as lr_floor_cents,
                {{ int_mod(numerator, denominator) }} as lr_remainder
            from {{ relation }} as lr_input
        ) as lr_floored
    ) as lr_ranked
{%- endmacro %}
