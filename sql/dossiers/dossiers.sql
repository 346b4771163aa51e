-- dossiers: one row per dossier_code (key), the dossier's state in its latest snapshot (SPEC §5):
-- the row from the file with the latest export time wins; within a file, the later row wins.
-- Ties between files exported at the same moment are broken by the file's content hash, so
-- the result does not depend on the order in which files were loaded (the conflict is warned:
-- sql/checks/snapshot_conflicts.sql). A file whose export time is only its modification time
-- (export_time_rule = 'file_mtime') never moves a dossier backwards: when its row would win
-- but has no result (no result date and not in a final state: finished, withdrawn, refused)
-- while another row of the dossier has one, the latest row with a result wins instead
-- (warned: sql/checks/mtime_held.sql).
-- A result date before the reception date (F < R, a typing slip) counts as resolved the day it
-- was received: finished_date = received_date (SPEC §8 result_before_reception; the warning is
-- pipelines/row_checks.py). finished_at keeps the exported time.
-- $everything: all dossiers; otherwise only those listed in the temporary table changed_codes
-- (the dossiers of newly loaded files: pipelines.transform.update_dossiers).

with

snapshots as (
    select
        snapshot_rows.*,
        files.export_at,
        files.export_time_rule = 'file_mtime' as from_mtime,
        snapshot_rows.finished_at is not null
            or snapshot_rows.status_class in ('finished', 'withdrawn', 'refused') as has_result
    from snapshot_rows
    inner join files using (file_hash)
    where $everything or dossier_code in (select dossier_code from changed_codes)
),

ranked as (
    select
        *,
        bool_or(has_result) over (partition by dossier_code) as any_result
    from snapshots
),

latest as (
    select *
    from ranked
    -- a row without a result from a modification-time file cannot win over a result
    where not (from_mtime and not has_result and any_result)
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
