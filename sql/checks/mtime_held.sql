-- mtime_held: one row per (file_hash, dossier_code) (key) where a file whose export time is only
-- its modification time holds the newest row of a dossier, but that row would have moved the
-- dossier backwards (its result gone), so the dossier kept its further state (SPEC §5, §8
-- export_time_from_mtime). Reads only the dossiers of such files; needs staging.dossiers.

with

mtime_files as (
    select file_hash from files where export_time_rule = 'file_mtime'
),

codes as (
    select distinct dossier_code
    from snapshot_rows
    where file_hash in (select file_hash from mtime_files)
),

newest as (
    select snapshot_rows.dossier_code, snapshot_rows.file_hash
    from snapshot_rows
    inner join files using (file_hash)
    where snapshot_rows.dossier_code in (select dossier_code from codes)
    qualify row_number() over (
        partition by snapshot_rows.dossier_code
        order by files.export_at desc, snapshot_rows.file_hash desc, snapshot_rows.row_number desc
    ) = 1
)

select
    newest.file_hash,
    newest.dossier_code,
    dossiers.source_file_hash as kept_file_hash
from newest
inner join staging.dossiers as dossiers using (dossier_code)
where newest.file_hash in (select file_hash from mtime_files)
  and dossiers.source_file_hash <> newest.file_hash
order by newest.file_hash, newest.dossier_code
