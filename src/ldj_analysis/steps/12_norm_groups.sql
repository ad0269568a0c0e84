-- Step 12. Norm z-scores of both lists of every pair (docs/norms.md): the norm row of the
-- list's instrument whose age band holds its age in whole years, the first of its own sex,
-- else the first for sex 'all'; z = (raw - mean) / sd, sign turned when a higher score is
-- better. A pair with a list without norm group leaves the analysis (both lists logged).
-- Rule (docs/study.md section 2, "Treatment outcomes"): "Total scores become z = (raw - norm
-- mean) / norm SD, with norm groups by instrument, sex and age band"; "a higher z means
-- more problems".
-- Each list is left-joined to the norm rows that fit it and keeps the first (a list
-- without any keeps its one row, without norm), so pair_list is read once. norms_in is
-- read twice: two import CTEs, each used once, because DuckDB inlines a CTE used once but
-- materialises one used twice (a copy).
create or replace temp table list_norm as
with

lists as (
    select * from pair_list
),

norms as (
    select * from norms_in
),

normed_instruments as (
    select instrument from norms_in
),

final as (
    select
        l.pair_no,
        l.side,
        n.norm_row,
        case when coalesce(n.higher_is_worse, true) then 1.0 else -1.0 end
        * (l.raw - n.mean) / n.sd as z,
        case
            when n.norm_row is not null then null
            when l.instrument not in (select ni.instrument from normed_instruments as ni)
                then 'no norm group: instrument not in the norm table'
            when l.age_years is null then 'no norm group: age unknown (birth date missing)'
            else 'no norm group for this instrument, sex and age'
        end as no_norm_reason
    from lists as l
    left join norms as n
        on
            l.instrument = n.instrument
            and l.age_years between n.age_min and n.age_max
            and (l.sex = n.sex or n.sex = 'all')
    qualify row_number() over (
        partition by l.pair_no, l.side order by n.sex = 'all', n.norm_row
    ) = 1
)

select * from final;
