-- Macros shared by the staging SQL. Pure functions of one value.

-- A name as stored: trimmed, every run of white space (line breaks of wrapped cells included)
-- turned into one space; empty → null. The test first keeps the common case cheap.
create or replace macro clean_name(x) as
    nullif(
        case
            when regexp_matches(x, '\s\s|[\t\n\r\v\f]')
                then regexp_replace(trim(x), '\s+', ' ', 'g')
            else trim(x)
        end,
        ''
    );

-- The letters-and-digits key of a text: NFC, lower case, diacritics removed, đ→d, every run of
-- other characters turned into one space, trimmed.
create or replace macro vocab_alnum_key(x) as
    trim(regexp_replace(
        strip_accents(replace(lower(nfc_normalize(x)), 'đ', 'd')), '[^0-9a-z]+', ' ', 'g'
    ));

-- The matching key of a vocabulary word: the same key as pipelines.vocab.normalize_key. A text
-- with no letter or digit keeps its symbols, spaces collapsed (so that '✓' is a word too).
create or replace macro vocab_key(x) as
    coalesce(
        nullif(vocab_alnum_key(x), ''),
        trim(regexp_replace(lower(nfc_normalize(x)), '[\t\n\v\f\r ]+', ' ', 'g'))
    );

-- A local date-time from the text of a cell (SPEC §3): ISO text from Excel date cells, Excel
-- serial numbers, day-first text in every listed form (separators / - or ., one-digit days,
-- months and hours, time before or after the date), compact yyyyMMddHHmmss. Never
-- month-first. Null for empty text, for text that is no real date (31/02/2026) and for a year
-- outside 1900–2099 (a two-digit year such as 05/03/26 is not guessed).
-- Each form is recognised by its shape and rewritten to 'yyyy-m-d H:M:S' for a single
-- strptime format: a list of formats costs a failed parse per format tried, per row.
-- The shapes of a date-time, as anchored patterns (captures: the date's and the time's parts).
create or replace macro ts_shape_ymd() as
    '^\s*((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})'
    || '(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*$';
create or replace macro ts_shape_dmy() as
    '^\s*(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d{2})'
    || '(?:(?:\s+|T)(\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*$';
create or replace macro ts_shape_time_dmy() as
    '^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s+(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d{2})\s*$';
create or replace macro ts_shape_compact() as
    '^\s*((?:19|20)\d{2})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2}))?\s*$';

create or replace macro local_ts_canonical(x) as
    case
        when regexp_matches(x, ts_shape_ymd())  -- as Excel date cells come
            then regexp_replace(x, ts_shape_ymd(), '\1-\2-\3 \4:\5:\6\7')
        when regexp_matches(x, ts_shape_dmy())
            then regexp_replace(x, ts_shape_dmy(), '\3-\2-\1 \4:\5:\6\7')
        when regexp_matches(x, ts_shape_time_dmy())
            then regexp_replace(x, ts_shape_time_dmy(), '\6-\5-\4 \1:\2:\3')
        when regexp_matches(x, ts_shape_compact())
            then regexp_replace(x, ts_shape_compact(), '\1-\2-\3 \4:\5:\6')
    end;

create or replace macro parse_local_ts(x) as
    case
        when x is null or trim(x) = '' then null
        -- fast paths: the fixed-width forms of most cells (Excel date cells, dd/mm/yyyy text)
        when length(x) = 19 and substr(x, 5, 1) = '-' and substr(x, 11, 1) = ' '
            and substr(x, 1, 2) in ('19', '20')
            then try_strptime(x, '%Y-%m-%d %H:%M:%S')
        when length(x) = 16 and substr(x, 3, 1) = '/' and substr(x, 6, 1) = '/'
            and substr(x, 7, 2) in ('19', '20')
            then try_strptime(x, '%d/%m/%Y %H:%M')
        when length(x) = 19 and substr(x, 3, 1) = '/' and substr(x, 6, 1) = '/'
            and substr(x, 7, 2) in ('19', '20')
            then try_strptime(x, '%d/%m/%Y %H:%M:%S')
        when length(x) = 10 and substr(x, 3, 1) = '/' and substr(x, 6, 1) = '/'
            and substr(x, 7, 2) in ('19', '20')
            then try_strptime(x, '%d/%m/%Y')
        -- an Excel serial number (days since 1899-12-30), up to 2099-12-31
        when regexp_full_match(x, '\s*\d{5}(\.\d+)?\s*')
            then case when cast(trim(x) as double) < 73051
                then timestamp '1899-12-30'
                    + to_microseconds(cast(round(cast(trim(x) as double) * 86400000000) as bigint))
            end
        else try_strptime(
            -- a missing time is midnight, missing seconds are 0
            regexp_replace(regexp_replace(local_ts_canonical(x), ' ::$', ' 0:0:0'), ':$', ':0'),
            ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f']
        )
    end;
