-- Macros shared by the staging SQL. Pure functions of one value.

-- The matching key of a vocabulary word: the same key as pipelines.vocab.normalize_key
-- (NFC, lower case, diacritics removed, đ→d, punctuation and spaces collapsed).
create or replace macro vocab_key(x) as
    trim(regexp_replace(
        strip_accents(replace(lower(nfc_normalize(x)), 'đ', 'd')), '[^0-9a-z]+', ' ', 'g'
    ));

-- A local date-time from the text of a cell (SPEC §3): ISO text from Excel date cells, Excel
-- serial numbers, day-first text in every listed form, compact yyyyMMddHHmmss. Never
-- month-first. Null for empty text and for text that is no real date (31/02/2026).
create or replace macro parse_local_ts(x) as (
    case
        when x is null or trim(x) = '' then null
        when regexp_full_match(trim(x), '[0-9]{5}(\.[0-9]+)?')
            then timestamp '1899-12-30'
                + to_microseconds(cast(round(cast(trim(x) as double) * 86400000000) as bigint))
        else try_strptime(
            regexp_replace(trim(x), '\s+', ' ', 'g'),
            [
                '%Y-%m-%d %H:%M:%S', '%Y-%m-%d %H:%M:%S.%f', '%Y-%m-%dT%H:%M:%S',
                '%Y-%m-%d %H:%M', '%Y-%m-%d',
                '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %H:%M', '%d/%m/%Y',
                '%H:%M:%S %d/%m/%Y', '%H:%M %d/%m/%Y',
                '%d-%m-%Y %H:%M:%S', '%d-%m-%Y %H:%M', '%d-%m-%Y',
                '%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y',
                '%Y%m%d%H%M%S', '%Y%m%d'
            ]
        )
    end
);
