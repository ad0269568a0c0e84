-- Step 5. The checks every list passes in turn (docs/study.md section 3, items 1-3); a list
-- is excluded at the first it fails.
-- Rule (section 3, items 1-2): "the period runs from the start to the end date of the
-- implementation questionnaire"; "every end-of-treatment list (post) filled in the period
-- for the team's opgroei and opvoed instruments is taken".
-- End lists are placed in their team-period first: the period of their team that holds the
-- date (of overlapping periods, the earliest moment).
create or replace temp table end_list_period as
with

lists as (
    select * from list
),

periods as (
    select * from team_periods
)

select
    l.pos,
    p.moment,
    p.instrument_opgroei,
    p.instrument_opvoed
from lists as l
inner join periods as p
    on l.team_id = p.team_id and l.filled_on between p.period_start and p.period_end
where l.occasion = 'eind'
qualify row_number() over (partition by l.pos order by p.moment) = 1;

create or replace temp table list_check as
with

lists as (
    select * from list
),

end_periods as (
    select * from end_list_period
),

checked as (
    select
        l.pos,
        l.record_id,
        l.client_id,
        l.treatment_id,
        l.instrument,
        l.informant,
        l.occasion,
        l.filled_on,
        l.raw_total,
        l._age_days,
        l._age_years,
        l.team_id,
        l.grp,
        l.grp_pos,
        l.institution_id,
        l.treatment_team,
        p.moment,
        case
            when l.occasion = 'tussen' then 'interim'
            when not coalesce(l.study_instrument, false) then 'instrument'
            when l.raw_total is null then 'raw_total'
            when l.occasion = 'eind' and l.treatment_id is null then 'treatment'
            when not coalesce(l.informant_in_priority, false) then 'informant'
            when l.occasion = 'eind' and p.moment is null then 'period'
            when
                l.occasion = 'eind'
                and not coalesce(l.instrument in (p.instrument_opgroei, p.instrument_opvoed), false)
                then 'team_instrument'
        end as step
    from lists as l
    left join end_periods as p using (pos)
),

final as (
    select
        * exclude (institution_id, treatment_team),
        case step
            when 'interim' then 'interim list (tussen)'
            when 'instrument'
                then 'instrument ' || coalesce(instrument, '?') || ' is not used in the study'
            when 'raw_total' then 'raw total missing: list incomplete'
            when 'treatment'
                then 'no treatment_id and no treatment of this client covers the end list''s date'
            when 'informant'
                then
                    'informant ' || coalesce(informant, '?')
                    || ' is not in the informant priority'
                    || coalesce(' of institution ' || institution_id, '')
            when 'period'
                then 'end list outside every period of team ' || coalesce(treatment_team, '?')
            when 'team_instrument'
                then
                    'team ' || team_id || ' does not use ' || instrument
                    || ' at moment ' || moment
        end as reason
    from checked
)

select * from final;

-- The usable end lists, each in its team-period (also the response's clients_with_post).
create or replace temp table end_list as
select
    pos,
    record_id,
    client_id,
    treatment_id,
    instrument,
    informant,
    filled_on,
    raw_total,
    _age_days,
    _age_years,
    team_id,
    moment,
    grp,
    grp_pos
from list_check
where step is null and occasion = 'eind';

create or replace temp table start_list as
select
    pos,
    record_id,
    client_id,
    treatment_id,
    instrument,
    informant,
    filled_on,
    raw_total,
    _age_years
from list_check
where step is null and occasion = 'begin';
