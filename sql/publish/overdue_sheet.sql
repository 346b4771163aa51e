-- overdue_sheet: one row per dossier_code (key) late in any published window, for the sheet
-- "Hồ sơ quá hạn" of indicators.xlsx (apology letters). Reads the relation `overdue` (one row
-- per window, from_date and dossier: sql/indicators/overdue.sql).
-- A dossier late in several windows shows the row of the widest: cumulative, then ytd, then
-- period; in_period says whether it is late in the period too.
-- Sorted by unit ($units: the unit names in the sheet's alphabetical order, unknown last),
-- days late (most first), then dossier code.
-- Texts are as stored; the sheet writer cleans them (control characters, formula guard).

with

ranked as (
    select
        *,
        coalesce(nullif(unit_name, ''), $unknown_unit) as sheet_unit,
        case "window" when 'cumulative' then 0 when 'ytd' then 1 when 'period' then 2 else 3 end
            as window_rank
    from overdue
),

chosen as (
    select
        *,
        bool_or("window" = 'period') over (partition by dossier_code) as in_period,
        row_number() over (partition by dossier_code order by window_rank, days_late desc) as pick
    from ranked
),

final as (
    select
        sheet_unit as unit_name,
        dossier_code,
        coalesce(nullif(procedure_name, ''), procedure_code, '') as procedure,
        coalesce(sector_name, '') as sector_name,
        overdue_kind,
        due_date,
        finished_date,
        days_late,
        in_period
    from chosen
    where pick = 1
)

select * from final
order by list_position($units, unit_name), days_late desc, dossier_code
