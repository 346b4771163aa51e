-- indicators: one row per (window, from_date, group_by, group_value) (key), every figure and
-- rate of SPEC §6. Input: dossiers (one row per dossier) and report_windows (one row per
-- window: window, from_date, to_date). group_by is all | unit | sector | procedure; a dossier
-- without a unit, sector or procedure is counted under $unknown_group. A group has a row in a
-- window when one of its dossiers was received on or before the window's end.
--
-- The rules, per dossier and window [a, b], with R, F, D the dates received, finished, due:
--   received_new  a ≤ R ≤ b                          carried_over  R < a, (F none or F ≥ a)
--   resolved      handled, a ≤ F ≤ b                 pending       handled, (F none or F > b)
--   early         resolved, not withdrawn, F < D     on_time       resolved, F = D / D none / withdrawn
--   overdue       resolved, not withdrawn, F > D     pending_overdue pending, not awaiting, D < b
-- Refused dossiers count only in `refused` (by R).
--
-- Two ways to the same numbers, so that a year of windows over millions of dossiers takes one
-- pass instead of one join per window:
--   * counting by days, for every dossier with F none or F ≥ R. Each figure is then a difference
--     of running counts: with #X(x) the number of dossiers whose day X is ≤ x,
--       received_new = #R(b) − #R(a−1)     carried_over = #R(a−1) − #F(a−1)
--       resolved     = #F(b) − #F(a−1)     pending      = #R(b) − #F(b)
--       pending_overdue = #S(b) − #E(b), S = max(R, D+1) for dossiers not awaiting a supplement
--       with a due date, E = max(S, F) for those of them with a result;
--   * the rules above applied window by window (a join), for the few dossiers finished before
--     they were received (bad data upstream), where those differences do not hold.
-- $all_by_rules = true sends every dossier the second way: the tests compare both.

with

dossiers as (
    select * from dossiers
),

windows as (
    select * from report_windows
),

facts as (
    select
        coalesce(unit_name, $unknown_group) as unit_value,
        coalesce(sector_name, $unknown_group) as sector_value,
        coalesce(procedure_name, procedure_code, $unknown_group) as procedure_value,
        channel,
        status_class,
        received_date,
        finished_date,
        due_date,
        is_digitized,
        has_e_result,
        status_class = 'refused' as is_refused,
        status_class = 'withdrawn' as is_withdrawn,
        $all_by_rules or coalesce(finished_date < received_date, false) as by_rules,
        case
            when status_class = 'withdrawn' or due_date is null or finished_date = due_date
                then 'on_time'
            when finished_date < due_date then 'early'
            else 'overdue'
        end as timeliness,
        case
            when status_class <> 'awaiting_supplement' and due_date is not null
                then greatest(received_date, due_date + 1)
        end as overdue_from_date
    from dossiers
),

-- counting by days -------------------------------------------------------------------------

by_days as (
    select * from facts where not by_rules and not is_refused
),

received_events as (
    select
        unit_value, sector_value, procedure_value, received_date as day,
        count(*) as n_received,
        count(*) filter (where channel = 'online') as n_online,
        count(*) filter (where channel = 'direct') as n_direct,
        count(*) filter (where channel = 'postal') as n_postal,
        count(*) filter (where is_digitized) as n_digitized,
        count(is_digitized) as n_digitized_known
    from by_days
    group by all
),

finished_events as (
    select
        unit_value, sector_value, procedure_value, finished_date as day,
        count(*) as n_finished,
        count(*) filter (where timeliness = 'early') as n_early,
        count(*) filter (where timeliness = 'on_time') as n_on_time,
        count(*) filter (where timeliness = 'overdue') as n_overdue,
        count(*) filter (where is_withdrawn) as n_withdrawn,
        count(*) filter (where has_e_result) as n_e_result,
        count(has_e_result) as n_e_result_known
    from by_days
    where finished_date is not null
    group by all
),

overdue_start_events as (
    select unit_value, sector_value, procedure_value, overdue_from_date as day, count(*) as n_s
    from by_days
    where overdue_from_date is not null
    group by all
),

overdue_end_events as (
    select
        unit_value, sector_value, procedure_value,
        greatest(overdue_from_date, finished_date) as day,
        count(*) as n_e
    from by_days
    where overdue_from_date is not null and finished_date is not null
    group by all
),

any_events as (
    -- every dossier, refused and bad data included: which groups exist by a window's end,
    -- and the refused ones
    select
        unit_value, sector_value, procedure_value, received_date as day,
        count(*) as n_any,
        count(*) filter (where is_refused) as n_refused
    from facts
    group by all
),

events as (
    select * from received_events
    union all by name select * from finished_events
    union all by name select * from overdue_start_events
    union all by name select * from overdue_end_events
    union all by name select * from any_events
),

daily as (
    select
        case
            when grouping(unit_value) = 0 then 'unit'
            when grouping(sector_value) = 0 then 'sector'
            when grouping(procedure_value) = 0 then 'procedure'
            else 'all'
        end as group_by,
        coalesce(unit_value, sector_value, procedure_value, '') as group_value,
        day,
        coalesce(sum(n_received), 0) as n_received,
        coalesce(sum(n_online), 0) as n_online,
        coalesce(sum(n_direct), 0) as n_direct,
        coalesce(sum(n_postal), 0) as n_postal,
        coalesce(sum(n_digitized), 0) as n_digitized,
        coalesce(sum(n_digitized_known), 0) as n_digitized_known,
        coalesce(sum(n_finished), 0) as n_finished,
        coalesce(sum(n_early), 0) as n_early,
        coalesce(sum(n_on_time), 0) as n_on_time,
        coalesce(sum(n_overdue), 0) as n_overdue,
        coalesce(sum(n_withdrawn), 0) as n_withdrawn,
        coalesce(sum(n_e_result), 0) as n_e_result,
        coalesce(sum(n_e_result_known), 0) as n_e_result_known,
        coalesce(sum(n_s), 0) as n_s,
        coalesce(sum(n_e), 0) as n_e,
        coalesce(sum(n_any), 0) as n_any,
        coalesce(sum(n_refused), 0) as n_refused
    from events
    group by grouping sets (
        (day),
        (day, unit_value),
        (day, sector_value),
        (day, procedure_value)
    )
),

running as (
    -- c_x: the number of dossiers of the group whose day is on or before `day`
    select
        group_by,
        group_value,
        day,
        sum(columns(* exclude (group_by, group_value, day))) over (
            partition by group_by, group_value order by day
            rows between unbounded preceding and current row
        )
    from daily
),

groups as (
    select distinct group_by, group_value from daily
    union
    select 'all', ''
),

window_groups as (
    select w."window", w.from_date, w.to_date, g.group_by, g.group_value
    from windows as w
    cross join groups as g
),

at_end as (
    select wg.*, columns(r.* exclude (group_by, group_value, day)) as "end_\0"
    from window_groups as wg
    asof left join running as r
        on wg.group_by = r.group_by
        and wg.group_value = r.group_value
        and wg.to_date >= r.day
),

at_start as (
    -- running counts on the day before the window
    select wg."window", wg.from_date, wg.group_by, wg.group_value,
        columns(r.* exclude (group_by, group_value, day)) as "before_\0"
    from window_groups as wg
    asof left join running as r
        on wg.group_by = r.group_by
        and wg.group_value = r.group_value
        and wg.from_date - 1 >= r.day
),

spans as (
    select
        e.*,
        columns(s.* exclude ("window", from_date, group_by, group_value))
    from at_end as e
    inner join at_start as s using ("window", from_date, group_by, group_value)
),

counted_by_days as (
    select
        "window", from_date, to_date, group_by, group_value,
        coalesce(end_n_any, 0) as dossiers_to_date,
        coalesce(end_n_received, 0) - coalesce(before_n_received, 0) as received_new,
        coalesce(end_n_online, 0) - coalesce(before_n_online, 0) as received_online,
        coalesce(end_n_direct, 0) - coalesce(before_n_direct, 0) as received_direct,
        coalesce(end_n_postal, 0) - coalesce(before_n_postal, 0) as received_postal,
        coalesce(before_n_received, 0) - coalesce(before_n_finished, 0) as carried_over,
        coalesce(end_n_finished, 0) - coalesce(before_n_finished, 0) as resolved,
        coalesce(end_n_early, 0) - coalesce(before_n_early, 0) as resolved_early,
        coalesce(end_n_on_time, 0) - coalesce(before_n_on_time, 0) as resolved_on_time,
        coalesce(end_n_overdue, 0) - coalesce(before_n_overdue, 0) as resolved_overdue,
        coalesce(end_n_received, 0) - coalesce(end_n_finished, 0) as pending,
        coalesce(end_n_s, 0) - coalesce(end_n_e, 0) as pending_overdue,
        coalesce(end_n_withdrawn, 0) - coalesce(before_n_withdrawn, 0) as withdrawn,
        coalesce(end_n_refused, 0) - coalesce(before_n_refused, 0) as refused,
        coalesce(end_n_digitized, 0) - coalesce(before_n_digitized, 0) as digitized,
        coalesce(end_n_digitized_known, 0) - coalesce(before_n_digitized_known, 0)
            as digitized_known,
        coalesce(end_n_e_result, 0) - coalesce(before_n_e_result, 0) as e_result,
        coalesce(end_n_e_result_known, 0) - coalesce(before_n_e_result_known, 0)
            as e_result_known
    from spans
),

-- the rules, window by window, for the dossiers counted that way --------------------------

by_rules as (
    select * from facts where by_rules and not is_refused
),

per_window as (
    select
        w."window",
        w.from_date,
        w.to_date,
        d.*,
        d.received_date between w.from_date and w.to_date as is_new,
        d.received_date < w.from_date
            and (d.finished_date is null or d.finished_date >= w.from_date) as is_carried
    from windows as w
    inner join by_rules as d on d.received_date <= w.to_date
),

outcomes as (
    select
        *,
        coalesce((is_new or is_carried) and finished_date between from_date and to_date, false)
            as is_resolved,
        (is_new or is_carried) and (finished_date is null or finished_date > to_date)
            as is_pending
    from per_window
),

counted_by_rules as (
    select
        "window", from_date, to_date,
        case
            when grouping(unit_value) = 0 then 'unit'
            when grouping(sector_value) = 0 then 'sector'
            when grouping(procedure_value) = 0 then 'procedure'
            else 'all'
        end as group_by,
        coalesce(unit_value, sector_value, procedure_value, '') as group_value,
        count(*) filter (where is_new) as received_new,
        count(*) filter (where is_new and channel = 'online') as received_online,
        count(*) filter (where is_new and channel = 'direct') as received_direct,
        count(*) filter (where is_new and channel = 'postal') as received_postal,
        count(*) filter (where is_carried) as carried_over,
        count(*) filter (where is_resolved) as resolved,
        count(*) filter (where is_resolved and timeliness = 'early') as resolved_early,
        count(*) filter (where is_resolved and timeliness = 'on_time') as resolved_on_time,
        count(*) filter (where is_resolved and timeliness = 'overdue') as resolved_overdue,
        count(*) filter (where is_pending) as pending,
        count(*) filter (where is_pending and overdue_from_date <= to_date) as pending_overdue,
        count(*) filter (where is_resolved and is_withdrawn) as withdrawn,
        count(*) filter (where is_new and is_digitized) as digitized,
        count(*) filter (where is_new and is_digitized is not null) as digitized_known,
        count(*) filter (where is_resolved and has_e_result) as e_result,
        count(*) filter (where is_resolved and has_e_result is not null) as e_result_known
    from outcomes
    group by grouping sets (
        ("window", from_date, to_date),
        ("window", from_date, to_date, unit_value),
        ("window", from_date, to_date, sector_value),
        ("window", from_date, to_date, procedure_value)
    )
),

-- both together ------------------------------------------------------------------------------

combined as (
    select
        d."window", d.from_date, d.to_date, d.group_by, d.group_value, d.dossiers_to_date,
        d.received_new + coalesce(r.received_new, 0) as received_new,
        d.received_online + coalesce(r.received_online, 0) as received_online,
        d.received_direct + coalesce(r.received_direct, 0) as received_direct,
        d.received_postal + coalesce(r.received_postal, 0) as received_postal,
        d.carried_over + coalesce(r.carried_over, 0) as carried_over,
        d.resolved + coalesce(r.resolved, 0) as resolved,
        d.resolved_early + coalesce(r.resolved_early, 0) as resolved_early,
        d.resolved_on_time + coalesce(r.resolved_on_time, 0) as resolved_on_time,
        d.resolved_overdue + coalesce(r.resolved_overdue, 0) as resolved_overdue,
        d.pending + coalesce(r.pending, 0) as pending,
        d.pending_overdue + coalesce(r.pending_overdue, 0) as pending_overdue,
        d.withdrawn + coalesce(r.withdrawn, 0) as withdrawn,
        d.refused as refused,
        d.digitized + coalesce(r.digitized, 0) as digitized,
        d.digitized_known + coalesce(r.digitized_known, 0) as digitized_known,
        d.e_result + coalesce(r.e_result, 0) as e_result,
        d.e_result_known + coalesce(r.e_result_known, 0) as e_result_known
    from counted_by_days as d
    left join counted_by_rules as r
        using ("window", from_date, to_date, group_by, group_value)
),

final as (
    select
        "window",
        from_date,
        to_date,
        group_by,
        group_value,
        cast(received_new as bigint) as received_new,
        cast(received_online as bigint) as received_online,
        cast(received_direct as bigint) as received_direct,
        cast(received_postal as bigint) as received_postal,
        cast(carried_over as bigint) as carried_over,
        cast(received_new + carried_over as bigint) as handled,
        cast(resolved as bigint) as resolved,
        cast(resolved_early as bigint) as resolved_early,
        cast(resolved_on_time as bigint) as resolved_on_time,
        cast(resolved_overdue as bigint) as resolved_overdue,
        cast(pending as bigint) as pending,
        cast(pending - pending_overdue as bigint) as pending_within,
        cast(pending_overdue as bigint) as pending_overdue,
        cast(withdrawn as bigint) as withdrawn,
        cast(refused as bigint) as refused,
        cast(digitized as bigint) as digitized,
        cast(e_result as bigint) as e_result,
        received_online / nullif(received_new, 0) as online_rate,
        (resolved_early + resolved_on_time) / nullif(resolved, 0) as on_time_rate,
        -- a rate over a flag no export carried is "no data", never 0 %
        case when digitized_known > 0 then digitized / nullif(received_new, 0) end
            as digitization_rate,
        case when e_result_known > 0 then e_result / nullif(resolved, 0) end as e_result_rate
    from combined
    where group_by = 'all' or dossiers_to_date > 0
)

select * from final
order by "window", from_date, group_by, group_value
