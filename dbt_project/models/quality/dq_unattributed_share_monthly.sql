{#- Share of each month's rated usage cost without a cost center (null or the unattributed one). -#}
with

usage_cost as (

    select * from {{ ref('fct_usage_cost') }}

),

monthly as (

    select
        {{ month_start('usage_date') }} as month,
        coalesce(sum(
            case
                when cost_center is null or cost_center = '{{ var("unattributed_cost_center") }}' then cost
            end
        ), 0) as unattributed_cost,
        coalesce(sum(cost), 0) as total_cost,
        count(*) as usage_rows
    from usage_cost
    group by 1

),

final as (

    select
        month,
        cast(unattributed_cost as decimal(18, 6)) as unattributed_cost,
        cast(total_cost as decimal(18, 6)) as total_cost,
        cast(case when total_cost <> 0 then unattributed_cost / total_cost else 0 end as double precision)
            as unattributed_share,
        cast(usage_rows as bigint) as usage_rows
    from monthly

)

select * from final
