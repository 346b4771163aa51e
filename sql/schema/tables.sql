-- The persistent tables of the hoso database. Created if absent; never dropped by a run.

-- files: one row per file loaded (key: file_hash, the SHA-256 of its bytes).
create table if not exists files (
    file_hash        varchar primary key,
    file_name        varchar not null,
    kind             varchar not null,   -- xlsx | xls | html | csv
    sheet            varchar not null,
    export_at        timestamp not null, -- local time (Asia/Ho_Chi_Minh)
    export_time_rule varchar not null,   -- title_block | file_name | file_mtime
    rows_read        bigint not null,
    rows_loaded      bigint not null,
    rows_rejected    bigint not null,
    rows_skipped     bigint not null,
    rows_duplicate   bigint not null,    -- dossier codes repeated within the file (later row wins)
    header_rows      integer not null,
    ignored_headers  varchar[] not null,
    ignored_sheets   varchar[] not null,
    loaded_at        timestamp not null
);

-- snapshot_rows: one row per dossier row loaded (key: file_hash, row_number); typed values.
create table if not exists snapshot_rows (
    file_hash       varchar not null,
    row_number      bigint not null,
    dossier_code    varchar not null,
    procedure_code  varchar,
    procedure_name  varchar,
    sector_name     varchar,
    unit_name       varchar,
    channel         varchar not null,    -- online | direct | postal
    status_class    varchar not null,    -- pending | awaiting_supplement | finished | withdrawn | refused
    received_at     timestamp not null,
    due_at          timestamp,           -- the extended due date when filled, else the due date
    finished_at     timestamp,           -- the result date, else the return date
    is_digitized    boolean,             -- null: the export has no such column
    has_e_result    boolean,
    primary key (file_hash, row_number)
);

-- rejects: one row per problem of a rejected dossier row (key: file_hash, row_number, problem).
create table if not exists rejects (
    file_hash    varchar not null,
    file_name    varchar not null,
    sheet        varchar not null,
    row_number   bigint not null,
    problem      varchar not null,       -- missing | invalid_date | unknown_word | no_result_date
    column_name  varchar not null,
    value        varchar                 -- the offending cell text (never a personal column)
);

-- runs: one row per run of the flow (key: run_id).
create table if not exists runs (
    run_id        varchar primary key,
    started_at    timestamp not null,
    finished_at   timestamp,
    period_from   date,
    period_to     date,
    since         date,
    outcome       varchar,               -- published | validation_failed | failed
    exit_code     integer,
    files_loaded  integer,
    files_skipped integer,
    files_refused integer
);

-- Why a run ended as it did (a failed run's reason); added to databases made before.
alter table runs add column if not exists message varchar;

-- run_warnings: one row per data warning of a run (key: run_id, position); SPEC §7, §8.
create table if not exists run_warnings (
    run_id    varchar not null,
    position  integer not null,          -- the warning's place in the run's sorted list
    code      varchar not null,          -- a code of SPEC §8
    file      varchar,                   -- relative to the exports folder; null: the database
    message   varchar not null,
    count     bigint not null,
    examples  varchar[] not null,        -- dossier codes, row numbers or file names
    primary key (run_id, position)
);

-- run_files: one row per file a run loaded (key: run_id, file_hash), for `hoso files`.
create table if not exists run_files (
    run_id     varchar not null,
    file_hash  varchar not null,
    primary key (run_id, file_hash)
);
