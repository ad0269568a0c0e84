-- Step 6. Several end lists of one informant and instrument in one treatment (one
-- occasion): keep the one pairing.duplicate_end_lists prefers (latest: the measurement
-- closest to the end of care; or earliest), then the first in the export.
-- Rule (docs/study.md section 3, edge cases): "The report leaves edge cases open: several
-- start or end lists of one informant, [...] The choices are configuration keys under
-- `pairing`".
create or replace temp table end_list_ranked as
with

end_lists as (
    select * from end_list
)

select
    *,
    row_number() over (
        partition by client_row, treatment_row, instrument, informant
        order by preferred(filled_on, getvariable('duplicate_end_lists')), pos
    ) as nth
from end_lists;

create or replace temp table end_list_kept as
select * exclude (nth) from end_list_ranked
where nth = 1;

create or replace temp table duplicate_end_list as
select
    pos,
    record_id as key,
    'duplicate' as step,
    'another end list of this informant and instrument in the treatment was kept ('
    || getvariable('duplicate_end_lists') || ')' as reason
from end_list_ranked
where nth > 1;

-- Not read after this step.
drop table end_list_ranked;
