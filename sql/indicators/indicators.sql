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
--   pending_within pending, (awaiting, or D none, or D ≥ b)
-- Each figure by its own rule: the identities of SPEC §6 are checks that can fail.
-- Refused dossiers count only in `refused` (by R).
--
-- Counted in two steps instead of joining every dossier to every window (10M dossiers × 15
-- windows: 4 s instead of 30 s; tests/reference/indicators_by_rules.sql is that join, and the
-- tests require both to give the same table):
--
-- 1. The window boundaries (from, to, to + 1) cut the calendar into a few dozen intervals
--    ("buckets"). Every condition of SPEC §6 on R, F and D (R < from, R <= to, F >= from,
--    F <= to, F > to, D < to) only depends on the bucket of the date, so dossiers are counted
--    once per (group, bucket of R, bucket of F, bucket of D), with the per-dossier conditions
--    (channel, withdrawn, refused, F vs D, flags) summed as separate counts.
-- 2. Those cells (a few hundred thousand at most, whatever the number of dossiers) are joined to
--    the windows and the window conditions are evaluated on bucket numbers.

with

dossiers as not materialized (
    select * from dossiers
),

windows as (
    select * from report_windows
),

boundaries as (
    select distinct day
    from (
        select from_date as day from windows
        union all select to_date from windows
        union all select cast(to_date + 1 as date) from windows
    )
),

-- bucket of a day = how many boundaries are on or before it; X < c <=> bucket(X) < bucket(c)
days as (
    select cast(r.day as date) as day
    from
        (
            select
                least(min(d.received_date), min(d.finished_date), min(d.due_date), b.first)
                    as first_day,
                greatest(max(d.received_date), max(d.finished_date), max(d.due_date), b.last)
                    as last_day
            from dossiers as d,
                (select min(day) as first, max(day) as last from boundaries) as b
            group by b.first, b.last
        ) as s,
        range(s.first_day, s.last_day + interval 1 day, interval 1 day) as r(day)
),

lookup as materialized (
    select list(bucket order by day) as buckets, min(day) as first_day, max(day) as last_day
    from (
        select days.day, count(b.day) as bucket
        from days
        left join boundaries as b on b.day <= days.day
        group by days.day
    )
),

window_buckets as materialized (
    select
        w."window",
        w.from_date,
        w.to_date,
        l.buckets[datediff('day', l.first_day, w.from_date) + 1] as b_from,
        l.buckets[datediff('day', l.first_day, w.to_date) + 1] as b_to,
        l.buckets[datediff('day', l.first_day, w.to_date) + 2] as b_after
    from windows as w, lookup as l
),

classified as (
    select
        coalesce(d.unit_name, $unknown_group) as unit_value,
        coalesce(d.sector_name, $unknown_group) as sector_value,
        coalesce(d.procedure_name, d.procedure_code, $unknown_group) as procedure_value,
        l.buckets[datediff('day', l.first_day, d.received_date) + 1] as r_bucket,
        l.buckets[datediff('day', l.first_day, d.finished_date) + 1] as f_bucket,
        l.buckets[datediff('day', l.first_day, d.due_date) + 1] as d_bucket,
        d.status_class = 'refused' as is_refused,
        d.status_class = 'withdrawn' as is_withdrawn,
        d.status_class = 'awaiting_supplement' as is_awaiting,
        d.channel,
        d.finished_date,
        d.due_date,
        d.is_digitized,
        d.has_e_result
    from dossiers as d, lookup as l
),

-- every dossier counted once, by (unit, sector, procedure, buckets): a few hundred thousand
-- cells at most; the breakdowns are then sums over these cells
fine as materialized (
    select
        unit_value,
        sector_value,
        procedure_value,
        r_bucket,
        f_bucket,
        d_bucket,
        count(*) as n_rows,
        count(*) filter (where not is_refused) as n,
        count(*) filter (where is_refused) as n_refused,
        count(*) filter (where not is_refused and channel = 'online') as n_online,
        count(*) filter (where not is_refused and channel = 'direct') as n_direct,
        count(*) filter (where not is_refused and channel = 'postal') as n_postal,
        count(*) filter (
            where not is_refused and not is_withdrawn and finished_date < due_date
        ) as n_early,
        count(*) filter (
            where not is_refused
            and (finished_date = due_date or due_date is null or is_withdrawn)
        ) as n_on_time,
        count(*) filter (
            where not is_refused and not is_withdrawn and finished_date > due_date
        ) as n_overdue,
        count(*) filter (where not is_refused and not is_awaiting) as n_not_awaiting,
        count(*) filter (where not is_refused and is_awaiting) as n_awaiting,
        count(*) filter (where not is_refused and is_withdrawn) as n_withdrawn,
        count(*) filter (where not is_refused and is_digitized) as n_digitized,
        count(*) filter (where not is_refused and is_digitized is not null) as n_digitized_known,
        count(*) filter (where not is_refused and has_e_result) as n_e_result,
        count(*) filter (where not is_refused and has_e_result is not null) as n_e_result_known
    from classified
    group by all
),

-- SPEC §3: names that differ only by case are one group, shown in their most frequent spelling
-- (ties: the first spelling in text order)
spellings as (
    select 'unit' as kind, unit_value as spelling, sum(n_rows) as n from fine group by all
    union all
    select 'sector', sector_value, sum(n_rows) from fine group by all
    union all
    select 'procedure', procedure_value, sum(n_rows) from fine group by all
),

shown as (
    select
        kind,
        spelling,
        first_value(spelling) over (
            partition by kind, name_key(spelling) order by n desc, spelling
        ) as shown_value
    from spellings
),

fine_shown as (
    select
        u.shown_value as unit_value,
        s.shown_value as sector_value,
        p.shown_value as procedure_value,
        fine.* exclude (unit_value, sector_value, procedure_value)
    from fine
    inner join shown as u on u.kind = 'unit' and u.spelling = fine.unit_value
    inner join shown as s on s.kind = 'sector' and s.spelling = fine.sector_value
    inner join shown as p on p.kind = 'procedure' and p.spelling = fine.procedure_value
),

cells as materialized (
    select
        case
            when grouping(unit_value) = 0 then 'unit'
            when grouping(sector_value) = 0 then 'sector'
            when grouping(procedure_value) = 0 then 'procedure'
            else 'all'
        end as group_by,
        coalesce(unit_value, sector_value, procedure_value, '') as group_value,
        r_bucket,
        f_bucket,
        d_bucket,
        sum(n_rows) as n_rows,
        sum(n) as n,
        sum(n_refused) as n_refused,
        sum(n_online) as n_online,
        sum(n_direct) as n_direct,
        sum(n_postal) as n_postal,
        sum(n_early) as n_early,
        sum(n_on_time) as n_on_time,
        sum(n_overdue) as n_overdue,
        sum(n_not_awaiting) as n_not_awaiting,
        sum(n_awaiting) as n_awaiting,
        sum(n_withdrawn) as n_withdrawn,
        sum(n_digitized) as n_digitized,
        sum(n_digitized_known) as n_digitized_known,
        sum(n_e_result) as n_e_result,
        sum(n_e_result_known) as n_e_result_known
    from fine_shown
    group by grouping sets (
        (r_bucket, f_bucket, d_bucket),
        (unit_value, r_bucket, f_bucket, d_bucket),
        (sector_value, r_bucket, f_bucket, d_bucket),
        (procedure_value, r_bucket, f_bucket, d_bucket)
    )
),

per_window as (
    select
        w."window",
        w.from_date,
        w.to_date,
        coalesce(c.group_by, 'all') as group_by,
        coalesce(c.group_value, '') as group_value,
        c.n_rows, c.n, c.n_refused, c.n_online, c.n_direct, c.n_postal, c.n_early, c.n_on_time,
        c.n_overdue, c.n_not_awaiting, c.n_awaiting, c.n_withdrawn, c.n_digitized, c.n_digitized_known,
        c.n_e_result, c.n_e_result_known,
        c.r_bucket >= w.b_from as in_window, -- and r_bucket < b_after, by the join
        c.r_bucket < w.b_from and (c.f_bucket is null or c.f_bucket >= w.b_from) as from_before,
        c.f_bucket >= w.b_from and c.f_bucket < w.b_after as f_in_window,
        c.f_bucket is null or c.f_bucket >= w.b_after as f_after,
        c.d_bucket < w.b_to as due_before_to,
        c.d_bucket is null or c.d_bucket >= w.b_to as due_none_or_from_to
    from window_buckets as w
    -- left join: a window with no dossier still gets its `all` row, with zeros
    left join cells as c on c.r_bucket < w.b_after
),

grouped as (
    select
        "window",
        from_date,
        to_date,
        group_by,
        group_value,
        sum(n) filter (where in_window) as received_new,
        sum(n_online) filter (where in_window) as received_online,
        sum(n_direct) filter (where in_window) as received_direct,
        sum(n_postal) filter (where in_window) as received_postal,
        sum(n) filter (where from_before) as carried_over,
        sum(n) filter (where in_window or from_before) as handled,
        sum(n) filter (where (in_window or from_before) and f_in_window) as resolved,
        sum(n_early) filter (where (in_window or from_before) and f_in_window) as resolved_early,
        sum(n_on_time) filter (where (in_window or from_before) and f_in_window)
            as resolved_on_time,
        sum(n_overdue) filter (where (in_window or from_before) and f_in_window)
            as resolved_overdue,
        sum(n) filter (where (in_window or from_before) and f_after) as pending,
        sum(n_not_awaiting) filter (
            where (in_window or from_before) and f_after and due_before_to
        ) as pending_overdue,
        coalesce(sum(n) filter (
            where (in_window or from_before) and f_after and due_none_or_from_to
        ), 0) + coalesce(sum(n_awaiting) filter (
            where (in_window or from_before) and f_after and due_before_to
        ), 0) as pending_within,
        sum(n_withdrawn) filter (where (in_window or from_before) and f_in_window) as withdrawn,
        sum(n_refused) filter (where in_window) as refused,
        sum(n_digitized) filter (where in_window) as digitized,
        sum(n_e_result) filter (where (in_window or from_before) and f_in_window) as e_result,
        sum(n_digitized_known) filter (where in_window) as digitized_known,
        sum(n_e_result_known) filter (where (in_window or from_before) and f_in_window)
            as e_result_known,
        sum(n_rows) as dossiers
    from per_window
    group by all
    having group_by = 'all' or sum(n_rows) > 0
),

final as (
    select
        "window",
        from_date,
        to_date,
        group_by,
        group_value,
        cast(coalesce(received_new, 0) as bigint) as received_new,
        cast(coalesce(received_online, 0) as bigint) as received_online,
        cast(coalesce(received_direct, 0) as bigint) as received_direct,
        cast(coalesce(received_postal, 0) as bigint) as received_postal,
        cast(coalesce(carried_over, 0) as bigint) as carried_over,
        cast(coalesce(handled, 0) as bigint) as handled,
        cast(coalesce(resolved, 0) as bigint) as resolved,
        cast(coalesce(resolved_early, 0) as bigint) as resolved_early,
        cast(coalesce(resolved_on_time, 0) as bigint) as resolved_on_time,
        cast(coalesce(resolved_overdue, 0) as bigint) as resolved_overdue,
        cast(coalesce(pending, 0) as bigint) as pending,
        cast(pending_within as bigint) as pending_within,
        cast(coalesce(pending_overdue, 0) as bigint) as pending_overdue,
        cast(coalesce(withdrawn, 0) as bigint) as withdrawn,
        cast(coalesce(refused, 0) as bigint) as refused,
        cast(coalesce(digitized, 0) as bigint) as digitized,
        cast(coalesce(e_result, 0) as bigint) as e_result,
        received_online / nullif(received_new, 0) as online_rate,
        (coalesce(resolved_early, 0) + coalesce(resolved_on_time, 0)) / nullif(resolved, 0)
            as on_time_rate,
        case when digitized_known > 0 then coalesce(digitized, 0) / nullif(received_new, 0) end
            as digitization_rate,
        case when e_result_known > 0 then coalesce(e_result, 0) / nullif(resolved, 0) end
            as e_result_rate
    from grouped
)

select * from final
order by "window", from_date, group_by, group_value
