-- Step 7. The start list of each end list: one of the same client, instrument and
-- informant, filled strictly before it and (pairing.same_treatment) of the same treatment
-- or of none. Of several, the one pairing.duplicate_start_lists prefers (earliest: closest
-- to the start of care), then the first in the export. A start list is used once: wanted
-- by several end lists, it goes to the earliest (then the first in the export).
-- Rule (docs/study.md section 3, item 3): "the matching start-of-treatment list (pre) of the
-- same client and instrument is looked up".
create or replace temp table start_fits_end as
with

end_lists as (
    select * from end_list_kept
),

start_lists as (
    select * from start_list
)

select
    e.pos as end_pos,
    e.filled_on as end_date,
    s.pos as start_pos,
    s.filled_on as start_date
from end_lists as e
inner join start_lists as s using (client_row, instrument, informant)
where
    s.filled_on < e.filled_on
    and (
        not getvariable('same_treatment')
        or s.treatment_row is null or s.treatment_row = e.treatment_row
    );

create or replace temp table preferred_start as
select * from start_fits_end
qualify row_number() over (
    partition by end_pos
    order by preferred(start_date, getvariable('duplicate_start_lists')), start_pos
) = 1;

create or replace temp table matched as
select
    end_pos,
    start_pos
from preferred_start
qualify row_number() over (partition by start_pos order by end_date, end_pos) = 1;

create or replace temp table no_start as
with

end_lists as (
    select * from end_list_kept
),

fitting_ends as (
    select end_pos from start_fits_end
),

matched_ends as (
    select end_pos from matched
)

select
    e.pos,
    e.record_id as key,
    'no_start' as step,
    case
        when e.pos in (select f.end_pos from fitting_ends as f)
            then 'its start list was already paired with an earlier end list'
        else
            'no start list of the same client, instrument and informant before it'
            || case
                when getvariable('same_treatment') then ' in the same treatment'
                else ''
            end
    end as reason
from end_lists as e
where e.pos not in (select m.end_pos from matched_ends as m);
