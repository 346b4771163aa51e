-- overdue: one row per (window, from_date, dossier_code) (key) for the dossiers resolved overdue
-- or pending overdue in the period, cumulative and year-to-date windows: the list an office
-- needs for its apology letters. No personal data: codes, procedure, unit, dates.
-- days_late: F − D for a dossier resolved overdue; to − D for one still pending overdue.

with

dossiers as (
    select * from dossiers
),

late_somewhere as (
    -- only a dossier with a due date and no result by then can be late in any window
    select *
    from dossiers
    where status_class <> 'refused'
        and due_date is not null
        and (finished_date is null or finished_date > due_date)
),

windows as (
    select * from report_windows where "window" in ('period', 'cumulative', 'ytd')
),

handled as (
    select
        w."window",
        w.from_date,
        w.to_date,
        d.*,
        d.status_class = 'withdrawn' as is_withdrawn
    from late_somewhere as d
    inner join windows as w
        on d.received_date <= w.to_date
        and (
            d.received_date >= w.from_date
            or d.finished_date is null
            or d.finished_date >= w.from_date
        )
),

late as (
    select
        *,
        case
            when finished_date between from_date and to_date
                and not is_withdrawn and finished_date > due_date
                then 'resolved_overdue'
            when (finished_date is null or finished_date > to_date)
                and status_class <> 'awaiting_supplement' and due_date < to_date
                then 'pending_overdue'
        end as overdue_kind
    from handled
),

final as (
    select
        "window",
        from_date,
        to_date,
        dossier_code,
        overdue_kind,
        procedure_code,
        procedure_name,
        sector_name,
        unit_name,
        due_date,
        case when overdue_kind = 'resolved_overdue' then finished_date end as finished_date,
        case
            when overdue_kind = 'resolved_overdue' then date_diff('day', due_date, finished_date)
            else date_diff('day', due_date, to_date)
        end as days_late
    from late
    where overdue_kind is not null
)

select * from final
order by "window", from_date, days_late desc, dossier_code
