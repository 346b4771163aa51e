-- form06_cells: one row per (dossier_code, form_column) (key): the columns 3–13 of report form
-- 06 in which a dossier counts for the window [$from_date, $to_date], with the dates that
-- decided it. Input: dossiers (one row per dossier, its current state). Refused dossiers are in
-- no column. With the default rule parameters this is SPEC §6 dossier by dossier, and its
-- counts per sector equal sql/indicators/indicators.sql (tests/unit/test_reconcile_cells.py).
--
-- Parameters:
--   $from_date, $to_date       the window, whole days, both ends included
--   $unknown_group             sector_value of dossiers without a sector
--   $carried_as_received       false (SPEC); true: carried-over dossiers counted as received in
--                              the window, in (4)/(5) by their channel, and none in (6)
--   $withdrawn_rule            'on_time' (SPEC: resolved on time at its end date); 'left_out':
--                              withdrawn dossiers in no column; 'by_dates': judged early /
--                              on time / overdue by their dates like any resolved dossier;
--                              'pending': counted as still being handled
--   $due_by_time               false (SPEC: dates compared by day); true: result and due
--                              timestamps compared, pending overdue when due before the end
--                              of the window's last day
--
-- form_column: 3 handled, 4 received online, 5 received direct or postal, 6 carried over,
-- 7 resolved, 8 early, 9 on time, 10 overdue, 11 pending, 12 pending within, 13 pending overdue.

with

dossiers as (
    select * from dossiers
),

facts as (
    select
        dossier_code,
        coalesce(sector_name, $unknown_group) as sector_value,
        channel,
        status_class,
        received_at,
        due_at,
        finished_at,
        received_date,
        due_date,
        finished_date,
        status_class = 'withdrawn' as is_withdrawn,
        status_class = 'awaiting_supplement' as is_awaiting
    from dossiers
    where
        status_class <> 'refused'
        and not (status_class = 'withdrawn' and $withdrawn_rule = 'left_out')
),

placed as (
    select
        *,
        received_date between $from_date and $to_date as is_new,
        received_date < $from_date and (finished_date is null or finished_date >= $from_date)
            as is_carried
    from facts
),

handled as (
    select
        *,
        coalesce(finished_date between $from_date and $to_date, false)
            and not (is_withdrawn and $withdrawn_rule = 'pending') as is_resolved,
        (finished_date is null or finished_date > $to_date)
            or (is_withdrawn and $withdrawn_rule = 'pending'
                and finished_date between $from_date and $to_date) as is_pending,
        is_withdrawn and $withdrawn_rule = 'on_time' as is_withdrawn_on_time,
        coalesce(
            case when $due_by_time then finished_at < due_at else finished_date < due_date end,
            false
        ) as is_before_due,
        coalesce(
            case when $due_by_time then finished_at > due_at else finished_date > due_date end,
            false
        ) as is_after_due,
        coalesce(
            case
                when $due_by_time then due_at < cast($to_date as timestamp) + interval 1 day
                else due_date < $to_date
            end,
            false
        ) as is_due_passed
    from placed
    where is_new or is_carried
),

columns as (
    select
        *,
        [
            true,
            (is_new or (is_carried and $carried_as_received)) and channel = 'online',
            (is_new or (is_carried and $carried_as_received)) and channel <> 'online',
            is_carried and not $carried_as_received,
            is_resolved,
            is_resolved and not is_withdrawn_on_time and is_before_due,
            is_resolved
                and (is_withdrawn_on_time or (not is_before_due and not is_after_due)),
            is_resolved and not is_withdrawn_on_time and is_after_due,
            is_pending,
            is_pending and not (not is_awaiting and is_due_passed),
            is_pending and not is_awaiting and is_due_passed
        ] as in_columns
    from handled
),

final as (
    select
        dossier_code,
        sector_value,
        cast(c.form_column as integer) as form_column,
        channel,
        status_class,
        received_at,
        due_at,
        finished_at
    from columns, unnest(range(3, 14)) as c(form_column)
    where in_columns[c.form_column - 2]
)

select * from final
order by form_column, sector_value, dossier_code
