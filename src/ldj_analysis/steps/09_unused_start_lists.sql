-- Step 9. Start lists left over: one that fitted an end list but was not chosen is a
-- duplicate (duplicate_start_lists preferred another); one that fitted none is unused.
-- Rule (docs/study.md section 3, edge cases): "every record left out is counted, with its
-- step and reason, in `data/derived/exclusions.csv`".
-- The left-over start lists are kept narrow (millions at scale); their step and reason are
-- a view, spelled out when the exclusion log is written.
create or replace temp table left_over_start as
with

start_lists as (
    select * from start_list
),

fitting_starts as (
    select start_pos from start_fits_end
),

selected_starts as (
    select start_pos from selected_pair
),

priority_losers as (
    select pos from pair_not_selected
),

left_over as (
    select
        s.pos,
        s.record_id,
        s.pos in (select f.start_pos from fitting_starts as f) as fitted
    from start_lists as s
    where
        s.pos not in (select sel.start_pos from selected_starts as sel)
        and s.pos not in (select pl.pos from priority_losers as pl)
)

select * from left_over;

create or replace temp view unused_start as
select
    pos,
    record_id as key,
    case when fitted then 'duplicate' else 'unused_start' end as step,
    case
        when fitted
            then
                'another start list of this informant fitted the end list better ('
                || getvariable('duplicate_start_lists') || ')'
        else 'no selected end list of the same client, instrument and informant after it'
    end as reason
from left_over_start;

-- The exclusion log of the questionnaire lists: each excluded list once, at its first
-- failing step (written in export order: ldj_analysis.pairing.LIST_EXCLUSIONS).
-- The exclusion tables of files 06-09 all hold pos, key, step, reason, in that order.
create or replace temp view list_exclusion as
select * from list_check
union all
select * from duplicate_end_list
union all
select * from no_start
union all
select * from pair_not_selected
union all
select * from unused_start;

-- Not read after this step.
drop table start_fits_end;
drop table start_list;
