-- REFERENCE for the tests, not used by the pipeline: sql/indicators/indicators.sql computed the
-- plainest way, every dossier joined to every window and SPEC §6 applied row by row. Slow, and
-- easy to check against the spec; tests/unit/test_indicators_reference.py requires the
-- pipeline's SQL to give exactly this table on generated dossiers and windows.
--
-- indicators: one row per (window, from_date, group_by, group_value) (key), every figure and
-- rate of SPEC §6. Input: dossiers (one row per dossier) and report_windows (one row per
-- window: window, from_date, to_date). group_by is all | unit | sector | procedure; a dossier
-- without a unit, sector or procedure is counted under $unknown_group.
--
-- Per dossier and window, with R, F, D the dates received, finished and due:
--   received_new  from ≤ R ≤ to                      carried_over  R < from, (F none or F ≥ from)
--   resolved      handled, from ≤ F ≤ to             pending       handled, (F none or F > to)
--   early         resolved, not withdrawn, F < D     on_time       resolved, F = D / D none / withdrawn
--   overdue       resolved, not withdrawn, F > D     pending_overdue pending, not awaiting, D < to
--   pending_within pending, (awaiting, or D none, or D ≥ to)
-- Refused dossiers count only in `refused` (by R).

with

dossiers as (
    select * from dossiers
),

windows as (
    select * from report_windows
),

named as (
    select
        *,
        coalesce(unit_name, $unknown_group) as unit_spelling,
        coalesce(sector_name, $unknown_group) as sector_spelling,
        coalesce(procedure_name, procedure_code, $unknown_group) as procedure_spelling
    from dossiers
),

-- names that differ only by case are one group, shown in their most frequent spelling (ties:
-- the first in text order)
spellings as (
    select 'unit' as kind, unit_spelling as spelling, count(*) as n from named group by all
    union all
    select 'sector', sector_spelling, count(*) from named group by all
    union all
    select 'procedure', procedure_spelling, count(*) from named group by all
),

shown as (
    select
        s.kind,
        s.spelling,
        (
            select t.spelling
            from spellings as t
            where t.kind = s.kind and lower(t.spelling) = lower(s.spelling)
            order by t.n desc, t.spelling
            limit 1
        ) as shown_value
    from spellings as s
),

per_window as (
    select
        w."window",
        w.from_date,
        w.to_date,
        u.shown_value as unit_value,
        s.shown_value as sector_value,
        p.shown_value as procedure_value,
        d.channel,
        d.status_class,
        d.status_class = 'refused' as is_refused,
        d.status_class = 'withdrawn' as is_withdrawn,
        d.received_date between w.from_date and w.to_date as in_window,
        d.received_date < w.from_date
            and (d.finished_date is null or d.finished_date >= w.from_date) as from_before,
        d.finished_date,
        d.due_date,
        d.is_digitized,
        d.has_e_result,
        d.dossier_code is not null as is_dossier
    from windows as w
    -- left join: a window with no dossier still gets its `all` row, with zeros
    left join named as d on d.received_date <= w.to_date
    left join shown as u on u.kind = 'unit' and u.spelling = d.unit_spelling
    left join shown as s on s.kind = 'sector' and s.spelling = d.sector_spelling
    left join shown as p on p.kind = 'procedure' and p.spelling = d.procedure_spelling
),

flags as (
    select
        *,
        not is_refused and in_window as is_new,
        not is_refused and from_before as is_carried,
        not is_refused and (in_window or from_before) as is_handled
    from per_window
),

outcomes as (
    select
        *,
        is_handled and coalesce(finished_date between from_date and to_date, false)
            as is_resolved,
        is_handled and (finished_date is null or finished_date > to_date) as is_pending
    from flags
),

counted as (
    select
        "window",
        from_date,
        to_date,
        unit_value,
        sector_value,
        procedure_value,
        is_dossier::int as dossiers,
        coalesce(is_new, false)::int as received_new,
        coalesce(is_new and channel = 'online', false)::int as received_online,
        coalesce(is_new and channel = 'direct', false)::int as received_direct,
        coalesce(is_new and channel = 'postal', false)::int as received_postal,
        coalesce(is_carried, false)::int as carried_over,
        coalesce(is_handled, false)::int as handled,
        coalesce(is_resolved, false)::int as resolved,
        coalesce(is_resolved and not is_withdrawn and finished_date < due_date, false)::int
            as resolved_early,
        coalesce(
            is_resolved and (finished_date = due_date or due_date is null or is_withdrawn), false
        )::int as resolved_on_time,
        coalesce(is_resolved and not is_withdrawn and finished_date > due_date, false)::int
            as resolved_overdue,
        coalesce(is_pending, false)::int as pending,
        coalesce(
            is_pending and status_class <> 'awaiting_supplement' and due_date < to_date, false
        )::int as pending_overdue,
        coalesce(
            is_pending
            and (status_class = 'awaiting_supplement' or due_date is null or due_date >= to_date),
            false
        )::int as pending_within,
        coalesce(is_resolved and is_withdrawn, false)::int as withdrawn,
        coalesce(is_refused and in_window, false)::int as refused,
        coalesce(is_new and is_digitized, false)::int as digitized,
        coalesce(is_resolved and has_e_result, false)::int as e_result,
        -- bases of the two flag rates: rows whose export has the flag column
        coalesce(is_new and is_digitized is not null, false)::int as digitized_known,
        coalesce(is_resolved and has_e_result is not null, false)::int as e_result_known
    from outcomes
),

grouped as (
    select
        "window",
        from_date,
        to_date,
        case
            when grouping(unit_value) = 0 then 'unit'
            when grouping(sector_value) = 0 then 'sector'
            when grouping(procedure_value) = 0 then 'procedure'
            else 'all'
        end as group_by,
        coalesce(unit_value, sector_value, procedure_value, '') as group_value,
        sum(received_new) as received_new,
        sum(received_online) as received_online,
        sum(received_direct) as received_direct,
        sum(received_postal) as received_postal,
        sum(carried_over) as carried_over,
        sum(handled) as handled,
        sum(resolved) as resolved,
        sum(resolved_early) as resolved_early,
        sum(resolved_on_time) as resolved_on_time,
        sum(resolved_overdue) as resolved_overdue,
        sum(pending) as pending,
        sum(pending_within) as pending_within,
        sum(pending_overdue) as pending_overdue,
        sum(withdrawn) as withdrawn,
        sum(refused) as refused,
        sum(coalesce(digitized, 0)) as digitized,
        sum(coalesce(e_result, 0)) as e_result,
        sum(digitized_known) as digitized_known,
        sum(e_result_known) as e_result_known
    from counted
    group by grouping sets (
        ("window", from_date, to_date),
        ("window", from_date, to_date, unit_value),
        ("window", from_date, to_date, sector_value),
        ("window", from_date, to_date, procedure_value)
    )
    having grouping(unit_value, sector_value, procedure_value) = 7 or sum(dossiers) > 0
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
        cast(handled as bigint) as handled,
        cast(resolved as bigint) as resolved,
        cast(resolved_early as bigint) as resolved_early,
        cast(resolved_on_time as bigint) as resolved_on_time,
        cast(resolved_overdue as bigint) as resolved_overdue,
        cast(pending as bigint) as pending,
        cast(pending_within as bigint) as pending_within,
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
    from grouped
)

select * from final
order by "window", from_date, group_by, group_value
