-- validation frame of staging.dossiers: one row per dossier_code (key), the columns its
-- expectation suite (expectations/dossiers.json) checks, dates as dates. Only the dossiers whose
-- current state comes from a file loaded by this run ($new_files, content hashes): each night
-- validates its new batch, not the whole history.
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
        cast(finished_at as date) as exported_finished_date,  -- before F = R (SPEC §8)
        cast(state_at as date) as state_date
    from dossiers
    where list_contains($new_files, source_file_hash)
)

select * from final
