-- snapshot_conflicts: one row per (export_at, dossier_code) (key) where two or more files with
-- the same export time hold different states of a dossier at its deciding export time (SPEC §5,
-- §8 snapshot_conflict). The state that counts is the one of the highest content hash
-- (sql/dossiers/dossiers.sql); this lists the files involved. Reads only files that share an
-- export time with another file; needs staging.dossiers.

with

shared_times as (
    select export_at from files group by export_at having count(*) > 1
),

rows_at_shared as (
    select
        snapshot_rows.*,
        files.export_at,
        files.file_name
    from snapshot_rows
    inner join files using (file_hash)
    where files.export_at in (select export_at from shared_times)
    -- within one file the later row wins
    qualify row_number() over (
        partition by snapshot_rows.file_hash, snapshot_rows.dossier_code
        order by snapshot_rows.row_number desc
    ) = 1
),

deciding as (
    select rows_at_shared.*
    from rows_at_shared
    inner join staging.dossiers as dossiers
        on dossiers.dossier_code = rows_at_shared.dossier_code
       and dossiers.state_at = rows_at_shared.export_at
)

select
    export_at,
    dossier_code,
    list(distinct file_name order by file_name) as file_names,
    max(file_hash) as winning_file_hash
from deciding
group by export_at, dossier_code
having count(distinct file_hash) > 1
   and count(distinct row(
        procedure_code, procedure_name, sector_name, unit_name, channel, status_class,
        received_at, due_at, finished_at, is_digitized, has_e_result
   )) > 1
order by export_at, dossier_code
