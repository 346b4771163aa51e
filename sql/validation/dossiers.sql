-- validation frame of staging.dossiers: one row per dossier_code (key), the columns its
-- expectation suite (expectations/dossiers.json) checks, dates as dates.
with

dossiers as (
    select * from dossiers
),

final as (
    select
        dossier_code,
        channel,
        status_class,
        received_date,
        due_date,
        finished_date,
        cast(state_at as date) as state_date
    from dossiers
)

select * from final
