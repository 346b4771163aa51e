-- validation frame of staging.indicators: one row per indicators row (key: row_key), with the
-- same group's cumulative figures beside it, so that the suite can check that a period inside
-- the cumulative window never counts more than the cumulative window.
with

indicators as (
    select * from indicators
),

cumulative as (
    select
        group_by,
        group_value,
        from_date as cumulative_from,
        to_date as cumulative_to,
        received_new as cumulative_received_new,
        resolved as cumulative_resolved
    from indicators
    where "window" = 'cumulative'
),

final as (
    select
        i."window" || ' ' || i.from_date || '..' || i.to_date || ' ' || i.group_by
            || coalesce(': ' || nullif(i.group_value, ''), '') as row_key,
        i.*,
        coalesce(
            i."window" = 'period'
            and i.from_date >= c.cumulative_from and i.to_date <= c.cumulative_to,
            false
        ) as is_inside_cumulative,
        c.cumulative_received_new,
        c.cumulative_resolved
    from indicators as i
    left join cumulative as c using (group_by, group_value)
)

select * from final
