-- parsed_rows: one row per dossier row of the file being loaded (key: row_number).
-- Input: incoming_rows (the reader's text columns; a column absent from the export is null in
-- every row, a blank cell is ''), and the vocabulary tables vocab_channels, vocab_statuses,
-- vocab_flags. Output: canonical typed values, and `problems`, the list of reasons the row is
-- rejected (empty = the row is loaded). SPEC §3. Names keep their text with every run of
-- white space (line breaks from wrapped cells included) turned into one space.
-- The dossier code comes normalised by the reader (pipelines/read: NFC, invisible characters,
-- dashes, no-break spaces); here it is trimmed and upper-cased. An Excel error value
-- (is_excel_error) in the code, channel, status, flag or a date column rejects the row naming
-- the value (label columns are blanked and warned by the reader). An empty-date placeholder
-- (is_date_placeholder) is empty in an optional date column and an error in received_at.

with

incoming as (
    select * from incoming_rows
),

keyed as (
    select
        row_number,
        upper(trim(dossier_code)) as dossier_code,
        clean_name(procedure_code) as procedure_code,
        clean_name(procedure_name) as procedure_name,
        clean_name(sector_name) as sector_name,
        clean_name(unit_name) as unit_name,
        -- a submission date serves only when the export has no reception date column
        case when received_at is null then submitted_at else received_at end as received_text,
        case when received_at is null then 'submitted_at' else 'received_at' end
            as received_column,
        channel as channel_text,
        online_flag as online_text,
        status as status_text,
        optional_date(due_at) as due_text,
        optional_date(extended_due_at) as extended_due_text,
        optional_date(finished_at) as finished_text,
        optional_date(returned_at) as returned_text,
        dossier_code as code_text,
        is_digitized as digitized_text,
        has_e_result as e_result_text
    from incoming
),

-- the key of every distinct word of the vocabulary columns, computed once per word (a file
-- has a handful of distinct channel, status and flag words, and many rows)
word_keys as (
    select word, vocab_key(word) as word_key
    from (
        select channel_text as word from keyed
        union select online_text from keyed
        union select status_text from keyed
        union select digitized_text from keyed
        union select e_result_text from keyed
    )
    where word is not null
),

channel_words as (
    select word_keys.word, vocab_channels.channel
    from word_keys inner join vocab_channels using (word_key)
),

status_words as (
    select word_keys.word, vocab_statuses.status_class
    from word_keys inner join vocab_statuses using (word_key)
),

flag_words as (
    select word_keys.word, vocab_flags.flag_value
    from word_keys inner join vocab_flags using (word_key)
),

parsed as (
    select
        keyed.*,
        parse_local_ts(received_text) as received_ts,
        parse_local_ts(due_text) as due_ts,
        parse_local_ts(extended_due_text) as extended_due_ts,
        parse_local_ts(finished_text) as finished_ts,
        parse_local_ts(returned_text) as returned_ts,
        ch.channel as channel_word,
        online.flag_value as online_value,
        st.status_class as status_word,
        dig.flag_value as digitized_value,
        er.flag_value as e_result_value
    from keyed
    left join channel_words as ch on ch.word = keyed.channel_text
    left join flag_words as online on online.word = keyed.online_text
    left join status_words as st on st.word = keyed.status_text
    left join flag_words as dig on dig.word = keyed.digitized_text
    left join flag_words as er on er.word = keyed.e_result_text
),

typed as (
    select
        *,
        case
            when channel_text is not null then channel_word
            when online_value then 'online'
            when online_value = false or trim(online_text) = '' then 'direct'
        end as channel,
        coalesce(extended_due_ts, due_ts) as due_at,
        coalesce(finished_ts, returned_ts) as finished_at,
        case
            when coalesce(trim(status_text), '') <> '' then status_word
            when coalesce(finished_ts, returned_ts) is not null then 'finished'
            else 'pending'
        end as status_class,
        case
            when digitized_text is null then null
            when trim(digitized_text) = '' then false
            else digitized_value
        end as is_digitized,
        case
            when e_result_text is null then null
            when trim(e_result_text) = '' then false
            else e_result_value
        end as has_e_result
    from parsed
),

checked as (
    select
        *,
        list_filter([
            case when coalesce(dossier_code, '') = ''
                then {'problem': 'missing', 'column_name': 'dossier_code', 'value': null}
            when maybe_excel_error(code_text)
                then {'problem': 'excel_error', 'column_name': 'dossier_code',
                      'value': code_text} end,
            case when coalesce(trim(received_text), '') = ''
                then {'problem': 'missing', 'column_name': received_column, 'value': null}
            when maybe_excel_error(received_text)
                then {'problem': 'excel_error', 'column_name': received_column,
                      'value': received_text}
            when received_ts is null or maybe_date_placeholder(received_text)
                then {'problem': 'invalid_date', 'column_name': received_column,
                      'value': received_text} end,
            case when channel_text is not null and trim(channel_text) = ''
                then {'problem': 'missing', 'column_name': 'channel', 'value': null}
            when maybe_excel_error(channel_text) or maybe_excel_error(online_text)
                then {'problem': 'excel_error', 'column_name': 'channel',
                      'value': coalesce(channel_text, online_text)}
            when channel_text is not null and channel_word is null
                then {'problem': 'unknown_word', 'column_name': 'channel', 'value': channel_text}
            when channel_text is null and trim(online_text) <> '' and online_value is null
                then {'problem': 'unknown_word', 'column_name': 'online_flag',
                      'value': online_text} end,
            case when maybe_excel_error(status_text)
                then {'problem': 'excel_error', 'column_name': 'status', 'value': status_text}
            when coalesce(trim(status_text), '') <> '' and status_word is null
                then {'problem': 'unknown_word', 'column_name': 'status', 'value': status_text}
            end,
            date_problem(due_text, due_ts, 'due_at'),
            date_problem(extended_due_text, extended_due_ts, 'extended_due_at'),
            date_problem(finished_text, finished_ts, 'finished_at'),
            date_problem(returned_text, returned_ts, 'returned_at'),
            case when status_class in ('finished', 'withdrawn') and finished_at is null
                and coalesce(trim(finished_text), '') = ''
                and coalesce(trim(returned_text), '') = ''
                then {'problem': 'no_result_date', 'column_name': 'status',
                      'value': status_text} end,
            case when maybe_excel_error(digitized_text)
                then {'problem': 'excel_error', 'column_name': 'is_digitized',
                      'value': digitized_text}
            when trim(digitized_text) <> '' and digitized_value is null
                then {'problem': 'unknown_word', 'column_name': 'is_digitized',
                      'value': digitized_text} end,
            case when maybe_excel_error(e_result_text)
                then {'problem': 'excel_error', 'column_name': 'has_e_result',
                      'value': e_result_text}
            when trim(e_result_text) <> '' and e_result_value is null
                then {'problem': 'unknown_word', 'column_name': 'has_e_result',
                      'value': e_result_text} end
        ], lambda p: p is not null) as problems
    from typed
),

final as (
    select
        row_number,
        dossier_code,
        procedure_code,
        procedure_name,
        sector_name,
        unit_name,
        channel,
        status_class,
        received_ts as received_at,
        due_at,
        finished_at,
        is_digitized,
        has_e_result,
        problems
    from checked
)

select * from final
