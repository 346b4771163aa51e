-- row_warnings: one row per (code, file_hash) (key): the row anomalies of SPEC §8 among the
-- current dossier states (staging.dossiers, every loaded file: rows loaded by earlier runs are
-- warned as much as new ones), by the file each state comes from. Never blocking.
--   result_before_reception  F < R (counted as F = R by sql/dossiers/dossiers.sql)
--   due_before_reception     D < R (dates kept)
--   date_after_export        R or F after the date of the file's export time (dates kept)
-- Refused dossiers are left out: they are in no figure but `refused`.
-- Input: dossiers, files. Examples: up to $max_examples dossier codes, in code order.

with

dossiers as (
    select * from dossiers
),

files as (
    select * from main.files
),

anomalies as (
    select 'result_before_reception' as code, source_file_hash as file_hash, dossier_code
    from dossiers
    where status_class <> 'refused' and cast(finished_at as date) < received_date
    union all
    select 'due_before_reception', source_file_hash, dossier_code
    from dossiers
    where status_class <> 'refused' and due_date < received_date
    union all
    select 'date_after_export', source_file_hash, dossier_code
    from dossiers
    where status_class <> 'refused'
        and (
            received_date > cast(state_at as date)
            or cast(finished_at as date) > cast(state_at as date)
        )
),

final as (
    select
        a.code,
        a.file_hash,
        f.file_name,
        count(*) as dossier_count,
        list(a.dossier_code order by a.dossier_code)[1:$max_examples] as examples
    from anomalies as a
    left join files as f using (file_hash)
    group by a.code, a.file_hash, f.file_name
)

select * from final
order by code, file_name, file_hash
