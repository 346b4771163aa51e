-- window_coverage: one row (no key) saying how far the exports reach for the window
-- [$from_date, $to_date] (SPEC §8 window_not_covered): the latest export time of any loaded
-- file, the dossiers received in the window's last 14 days, and those received in the 90 days
-- before them. Needs staging.dossiers.

select
    (select max(export_at) from files) as latest_export_at,
    (select max(received_date) from staging.dossiers) as latest_received_date,
    count(*) filter (
        where received_date between cast($to_date as date) - 13 and cast($to_date as date)
    ) as received_last_14_days,
    count(*) filter (
        where received_date between cast($to_date as date) - 103 and cast($to_date as date) - 14
    ) as received_90_days_before
from staging.dossiers
where received_date between cast($to_date as date) - 103 and cast($to_date as date)
