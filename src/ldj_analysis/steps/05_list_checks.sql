-- Step 5. The checks every list passes in turn (docs/study.md section 3, items 1-3); a list
-- is excluded at the first it fails.
-- Rule (section 3, items 1-2): "the period runs from the start to the end date of the
-- implementation questionnaire"; "every end-of-treatment list (post) filled in the period
-- for the team's opgroei and opvoed instruments is taken".
-- The checks of the list itself come first, made once for every list into a narrow table
-- (integer rows, the team and rank, the failed check): the lists that fail them, the end
-- lists that pass them and the usable start lists each read it and take the few other
-- columns they need from the export by row (pos), so the lists are joined to their
-- treatment, team and informant rank once. Its is_end_list (occasion 'eind') only narrows
-- the rows each reader joins; the occasion itself is tested on the export's column. An end
-- list that passes them is then placed in its team-period: the period of its team that
-- holds the date (of overlapping periods, the earliest moment), of an instrument the team
-- used then.
create or replace temp table checked_list as
with

lists as (
    select * from list
)

select
    pos,
    occasion = 'eind' as is_end_list,
    treatment_row,
    team_id,
    grp,
    grp_pos,
    case
        when occasion = 'tussen' then 'interim'
        when not coalesce(study_instrument, false) then 'instrument'
        when raw_total is null then 'raw_total'
        when occasion = 'eind' and treatment_row is null then 'treatment'
        when not coalesce(informant_in_priority, false) then 'informant'
    end as step
from lists;

-- The lists that pass their own checks, with the export's columns the next steps read (a
-- view: each reader takes its lists, the end lists here, the start lists at the end).
create or replace temp view passed_list as
with

checked as (
    select * from checked_list
),

questionnaires as (
    select * from questionnaires_in
)

select
    c.pos,
    q.record_id,
    q._client_row as client_row,
    c.treatment_row,
    q.instrument,
    q.informant,
    q.filled_on,
    q.occasion,
    c.is_end_list,
    c.team_id,
    c.grp,
    c.grp_pos
from checked as c
inner join questionnaires as q on c.pos = q.pos
where c.step is null;

create or replace temp table end_list_candidate as
select
    pos,
    record_id,
    client_row,
    treatment_row,
    instrument,
    informant,
    filled_on,
    team_id,
    grp,
    grp_pos
from passed_list
where is_end_list and occasion = 'eind';

create or replace temp table end_list_period as
with

end_lists as (
    select * from end_list_candidate
),

periods as (
    select * from team_periods
),

period_lookup as (
    select * from team_periods
),

earliest as (
    select
        l.pos,
        l.team_id,
        min(p.moment) as moment
    from end_lists as l
    inner join periods as p
        on l.team_id = p.team_id and l.filled_on between p.period_start and p.period_end
    group by l.pos, l.team_id
)

select
    e.pos,
    e.moment,
    p.instrument_opgroei,
    p.instrument_opvoed
from earliest as e
inner join period_lookup as p using (team_id, moment);

create or replace temp view placed_end_list as
with

end_lists as (
    select * from end_list_candidate
),

end_periods as (
    select * from end_list_period
)

select
    l.*,
    p.moment,
    case
        when p.moment is null then 'period'
        when
            not coalesce(l.instrument in (p.instrument_opgroei, p.instrument_opvoed), false)
            then 'team_instrument'
    end as step
from end_lists as l
left join end_periods as p using (pos);

-- The excluded lists, each at the first check it fails. The reasons' texts are made for
-- these lists only, from the export's columns taken by row: the list's record id,
-- instrument and informant, its team's institution, its treatment's team.
create or replace temp table list_check as
with

own_checks as (
    select * from checked_list
    where step is not null
),

period_checks as (
    select * from placed_end_list
    where step is not null
),

questionnaires as (
    select * from questionnaires_in
),

teams as (
    select * from teams_in
),

treatments as (
    select * from treatments_in
),

failed as (
    select
        c.pos,
        q.record_id as key,
        c.step,
        case c.step
            when 'interim' then 'interim list (tussen)'
            when 'instrument'
                then 'instrument ' || coalesce(q.instrument, '?') || ' is not used in the study'
            when 'raw_total' then 'raw total missing: list incomplete'
            when 'treatment'
                then
                    'no treatment_id and no treatment of this client covers the end list''s date'
            when 'informant'
                then
                    'informant ' || coalesce(q.informant, '?')
                    || ' is not in the informant priority'
                    || coalesce(' of institution ' || tm.institution_id, '')
        end as reason
    from own_checks as c
    inner join questionnaires as q on c.pos = q.pos
    left join teams as tm on c.team_id = tm.team_id
    union all
    select
        l.pos,
        l.record_id as key,
        l.step,
        case l.step
            when 'period'
                then 'end list outside every period of team ' || coalesce(tr.team_id, '?')
            when 'team_instrument'
                then
                    'team ' || l.team_id || ' does not use ' || l.instrument
                    || ' at moment ' || l.moment
        end as reason
    from period_checks as l
    left join treatments as tr on l.treatment_row = tr.pos
)

select * from failed;

-- The usable end lists, each in its team-period (also the response's clients_with_post).
create or replace temp table end_list as
select
    pos,
    record_id,
    client_row,
    treatment_row,
    instrument,
    informant,
    filled_on,
    team_id,
    moment,
    grp,
    grp_pos
from placed_end_list
where step is null;

create or replace temp table start_list as
select
    pos,
    record_id,
    client_row,
    treatment_row,
    instrument,
    informant,
    filled_on
from passed_list
where not is_end_list and occasion = 'begin';

-- Not read after this step.
drop view passed_list;
drop table checked_list;
drop table end_list_candidate;
drop table end_list_period;
