-- Macros shared by the SQL of sql/parse/ and sql/dossiers/. Pure functions of one value.

-- A name as stored (SPEC §3): trimmed, every run of white space (line breaks of wrapped cells,
-- no-break and other Unicode spaces included) turned into one space, zero-width characters
-- removed; empty → null. The text comes in NFC from the reader. The test first keeps the
-- common case cheap.
create or replace macro clean_name(x) as
    nullif(
        case
            when regexp_matches(
                x, '\s\s|[\t\n\r\v\f\x{00A0}\x{2000}-\x{200D}\x{202F}\x{205F}\x{2060}\x{3000}\x{FEFF}]'
            )
                then trim(regexp_replace(
                    regexp_replace(x, '[\x{200B}-\x{200D}\x{2060}\x{FEFF}]', '', 'g'),
                    '[\s\x{00A0}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]+', ' ', 'g'
                ))
            else trim(x)
        end,
        ''
    );

-- The grouping key of a name (SPEC §3: names that differ only by case are one group).
create or replace macro name_key(x) as lower(x);

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
-- months and hours, time before or after the date), compact yyyyMMddHHmmss, the vi-VN clock
-- with SA/CH (AM/PM), `ngày 13 tháng 3 năm 2026`, ISO 8601 with Z or an offset (converted to
-- Asia/Ho_Chi_Minh, UTC+7 without daylight saving). Never month-first. Null for empty text, for text that is no real date (31/02/2026) and for a year
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
            and substr(x, 7, 2) in ('19', '20') and right(x, 1) between '0' and '9'
            then try_strptime(x, '%d/%m/%Y %H:%M')
        when length(x) = 19 and substr(x, 3, 1) = '/' and substr(x, 6, 1) = '/'
            and substr(x, 7, 2) in ('19', '20') and right(x, 1) between '0' and '9'
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
        else ts_local(
            try_strptime(
                -- a missing time is midnight, missing seconds are 0
                regexp_replace(
                    regexp_replace(local_ts_canonical(ts_plain(x)), ' ::$', ' 0:0:0'), ':$', ':0'
                ),
                ['%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f']
            ),
            ts_meridiem(x),
            ts_offset_minutes(x)
        )
    end;

-- An empty-date placeholder (SPEC §3): 00/00/0000, 01/01/1900, 01/01/0001, 30/12/1899,
-- 31/12/1899 (any separator, ISO order too, at midnight) and the Excel serial 0. Empty in an
-- optional date column; an error in received_at.
create or replace macro is_date_placeholder(x) as
    regexp_full_match(
        x,
        '\s*(0{1,2}[/.-]0{1,2}[/.-]0{1,4}|0{4}-0{1,2}-0{1,2}|0?1[/.-]0?1[/.-](1900|0001)'
        || '|(1900|0001)-0?1-0?1|(30|31)[/.-]12[/.-]1899|1899-12-3[01]|0+(\.0+)?)'
        || '([ T]+0{1,2}:0{1,2}(:0{1,2}(\.0+)?)?)?\s*'
    );

-- An Excel error value (SPEC §3), as text: #N/A, #VALUE!, #REF!, #DIV/0!, #NAME?, #NULL!,
-- #NUM! (and the newer #SPILL!, #CALC!, #GETTING_DATA), or a formula without a cached value,
-- which the reader passes on as its formula text ('=…'). The same list as
-- pipelines.read.sheets.EXCEL_ERROR.
create or replace macro is_excel_error(x) as
    regexp_full_match(
        x, '\s*(#(N/A|VALUE!|REF!|DIV/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|GETTING_DATA)|=.*)\s*',
        'is'
    );

-- The text of a date-time in the shapes local_ts_canonical knows: `ngày D tháng M năm Y` as
-- D/M/Y, `lúc` and commas as spaces, the SA/CH (AM/PM) marker and a Z/UTC offset removed (they
-- are read by ts_meridiem and ts_offset_minutes).
create or replace macro ts_plain(x) as
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    x,
                    '(?i)(?:ngày\s+)?(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})',
                    '\1/\2/\3'
                ),
                '(?i)\s*(,|\blúc\b)\s*', ' ', 'g'
            ),
            '(?i)\s*\b(SA|CH|AM|PM)\b\.?', '', 'g'
        ),
        '(:\d{2}(?:\.\d+)?)\s*(Z|[+-]\d{2}:?\d{2})\s*$', '\1'
    );

-- SA/AM or CH/PM after a time (vi-VN and en-US clocks), upper case; '' when none.
create or replace macro ts_meridiem(x) as
    upper(regexp_extract(x, '(?i)\d\s*\b(SA|CH|AM|PM)\b', 1));

-- The UTC offset in minutes of an ISO 8601 time ending in Z or ±HH[:]MM; null when none.
create or replace macro ts_offset_minutes(x) as
    case
        when regexp_matches(x, ':\d{2}(\.\d+)?\s*Z\s*$') then 0
        when regexp_matches(x, ':\d{2}(\.\d+)?\s*[+-]\d{2}:?\d{2}\s*$')
            then (case when regexp_extract(x, '([+-])\d{2}:?\d{2}\s*$', 1) = '-' then -1 else 1 end)
                * (
                    cast(regexp_extract(x, '[+-](\d{2}):?\d{2}\s*$', 1) as integer) * 60
                    + cast(regexp_extract(x, '[+-]\d{2}:?(\d{2})\s*$', 1) as integer)
                )
    end;

-- A parsed time made local: a 12-hour clock read (12 SA = 0 h, 1–11 CH = 13–23 h; an hour
-- above 12 with a marker is no time) and a UTC offset converted to UTC+7.
create or replace macro ts_local(ts, meridiem, offset_minutes) as
    case
        when ts is null then null
        when meridiem <> '' and (hour(ts) > 12 or hour(ts) = 0) then null
        else ts
            + case
                when meridiem in ('CH', 'PM') and hour(ts) < 12 then interval 12 hour
                when meridiem in ('SA', 'AM') and hour(ts) = 12 then - interval 12 hour
                else interval 0 hour
            end
            + to_minutes(cast(420 - coalesce(offset_minutes, 420) as bigint))
    end;

-- is_excel_error behind a cheap test (most cells hold no '#' and do not start with '=').
create or replace macro maybe_excel_error(x) as
    coalesce((contains(x, '#') or starts_with(ltrim(x), '=')) and is_excel_error(x), false);

-- is_date_placeholder behind a cheap test (every placeholder holds 1900, 1899, 000 or only
-- zeros).
create or replace macro maybe_date_placeholder(x) as
    coalesce(
        (contains(x, '1900') or contains(x, '1899') or contains(x, '000')
            or ltrim(x, '0. ') = '')
        and is_date_placeholder(x),
        false
    );

-- The text of an optional date cell: a placeholder is empty ('').
create or replace macro optional_date(x) as
    case when maybe_date_placeholder(x) then '' else x end;

-- The reject of an optional date cell: an Excel error value, or text that is no date.
create or replace macro date_problem(text, ts, column_name) as
    case
        when maybe_excel_error(text)
            then {'problem': 'excel_error', 'column_name': column_name, 'value': text}
        when coalesce(trim(text), '') <> '' and ts is null
            then {'problem': 'invalid_date', 'column_name': column_name, 'value': text}
    end;
