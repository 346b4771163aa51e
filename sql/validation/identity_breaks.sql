-- identity_breaks: one row per (identity, dossier_code) (key) for the dossiers whose own
-- figures, by the rules of SPEC §6 applied to that dossier alone, break one of the four
-- identities in some window: handled but neither or both of resolved and pending; resolved but
-- not exactly one of early, on time and overdue; received in the window without a known
-- channel; pending but not exactly one of within time and overdue. Read only when an identity
-- of the indicators suite fails, to name the dossiers (pipelines/validate.py); none means the
-- rules hold for every dossier and the sums of sql/indicators/indicators.sql are at fault.
-- Input: dossiers, report_windows.

with

dossiers as (
    select * from dossiers
),

windows as (
    select * from report_windows
),

per_window as (
    select
        w."window",
        w.from_date,
        w.to_date,
        d.dossier_code,
        d.channel,
        d.status_class,
        d.finished_date,
        d.due_date,
        d.status_class = 'withdrawn' as is_withdrawn,
        d.status_class is distinct from 'refused'
            and (
                d.received_date between w.from_date and w.to_date
                or (
                    d.received_date < w.from_date
                    and (d.finished_date is null or d.finished_date >= w.from_date)
                )
            ) as is_handled,
        d.status_class is distinct from 'refused'
            and d.received_date between w.from_date and w.to_date as is_new
    from windows as w
    inner join dossiers as d on d.received_date <= w.to_date
),

flags as (
    select
        *,
        coalesce(is_handled and finished_date between from_date and to_date, false)
            as is_resolved,
        coalesce(is_handled and (finished_date is null or finished_date > to_date), false)
            as is_pending
    from per_window
),

counted as (
    select
        *,
        coalesce(is_resolved and not is_withdrawn and finished_date < due_date, false)::int
        + coalesce(
            is_resolved and (finished_date = due_date or due_date is null or is_withdrawn), false
        )::int
        + coalesce(is_resolved and not is_withdrawn and finished_date > due_date, false)::int
            as resolved_parts,
        coalesce(
            is_pending and status_class <> 'awaiting_supplement' and due_date < to_date, false
        )::int
        + coalesce(
            is_pending
            and (status_class = 'awaiting_supplement' or due_date is null or due_date >= to_date),
            false
        )::int as pending_parts
    from flags
),

breaks as (
    select 'handled_is_resolved_plus_pending' as identity, dossier_code, "window", from_date
    from counted
    where is_handled and is_resolved::int + is_pending::int <> 1
    union all
    select 'resolved_is_early_on_time_overdue', dossier_code, "window", from_date
    from counted
    where is_resolved and resolved_parts <> 1
    union all
    select 'received_new_is_by_channel', dossier_code, "window", from_date
    from counted
    where is_new and channel is distinct from 'online' and channel is distinct from 'direct'
        and channel is distinct from 'postal'
    union all
    select 'pending_is_within_plus_overdue', dossier_code, "window", from_date
    from counted
    where is_pending and pending_parts <> 1
),

final as (
    select
        identity,
        dossier_code,
        list(distinct "window" || ' ' || from_date order by "window" || ' ' || from_date)
            as windows
    from breaks
    group by identity, dossier_code
)

select * from final
order by identity, dossier_code
