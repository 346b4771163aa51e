-- dossiers: one row per dossier_code (key), the dossier's state in its latest snapshot (SPEC §5):
-- the row from the file with the latest export time wins; within a file, the later row wins.
-- Ties between files exported at the same moment are broken by the file's content hash, so
-- the result does not depend on the order in which files were loaded.
-- A result date before the reception date (F < R, a typing slip) counts as resolved the day it
-- was received: finished_date = received_date (SPEC §8 result_before_reception; the warning is
-- pipelines/row_checks.py). finished_at keeps the exported time.
-- $everything: all dossiers; otherwise only those listed in the temporary table changed_codes
-- (the dossiers of newly loaded files: pipelines.transform.update_dossiers).

with

snapshots as (
    select
        snapshot_rows.*,
        files.export_at
    from snapshot_rows
    inner join files using (file_hash)
    where $everything or dossier_code in (select dossier_code from changed_codes)
),

latest as (
    select *
    from snapshots
    qualify row_number() over (
        partition by dossier_code
        order by export_at desc, file_hash desc, row_number desc
    ) = 1
),

final as (
    select
        dossier_code,
        procedure_code,
        procedure_name,
        sector_name,
        unit_name,
        channel,
        status_class,
        received_at,
        due_at,
        finished_at,
        cast(received_at as date) as received_date,
        cast(due_at as date) as due_date,
        case
            when cast(finished_at as date) < cast(received_at as date)
                then cast(received_at as date)
            else cast(finished_at as date)
        end as finished_date,
        is_digitized,
        has_e_result,
        export_at as state_at,
        file_hash as source_file_hash,
        row_number as source_row_number
    from latest
)

select * from final
