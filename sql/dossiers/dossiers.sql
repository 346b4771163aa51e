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
--
-- How the winner is found without sorting the whole history (a window over every snapshot row
-- is the slow part at millions of rows): each snapshot row gets one integer key that orders
-- like (export_at, file_hash, row_number) — the file's rank by (export_at, file_hash) in the
-- high 64 bits, its row number in the low ones — and each dossier's winning key is a maximum
-- in a group by on the narrow columns; the winning rows are then read by that key.

with

files_ranked as (
    select
        file_hash,
        export_at,
        export_time_rule = 'file_mtime' as from_mtime,
        row_number() over (order by export_at, file_hash) as file_rank
    from files
),

snapshots as not materialized (
    select
        snapshot_rows.*,
        files_ranked.export_at,
        files_ranked.from_mtime,
        -- orders like (export_at, file_hash, row_number); unique, as (file_hash, row_number) is
        (cast(files_ranked.file_rank as hugeint) << 64) + snapshot_rows.row_number
            as snapshot_key,
        snapshot_rows.finished_at is not null
            or snapshot_rows.status_class in ('finished', 'withdrawn', 'refused') as has_result
    from snapshot_rows
    inner join files_ranked using (file_hash)
    where $everything or dossier_code in (select dossier_code from changed_codes)
),

-- one row per dossier_code: the key of its winning row. When some row of the dossier has a
-- result, a row without a result from a modification-time file cannot win.
winners as (
    select
        case
            when bool_or(has_result)
                then max(snapshot_key) filter (where not from_mtime or has_result)
            else max(snapshot_key)
        end as snapshot_key
    from snapshots
    group by dossier_code
),

latest as (
    select snapshots.*
    from snapshots
    semi join winners using (snapshot_key)
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
