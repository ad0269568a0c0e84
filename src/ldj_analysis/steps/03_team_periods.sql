-- Step 3. The team-periods with their condition and checklist scores: one row per
-- team-period, in team and moment order.
-- Rule (docs/study.md section 1, "Periods"): "Each team filled the *LDJ Checklist* once per
-- half year"; section 2: the scores of the LDJ Checklist, per team-period.
create or replace temp table checklist_wide as
with

scores as (
    select
        team_id,
        moment,
        score,
        value
    from checklist_score
)

pivot scores
on score using first(value)
group by team_id, moment;

create or replace temp table team_periods as
with

conditions as (
    select * from team_period_condition
),

scores as (
    select * from checklist_wide
)

select
    conditions.*,
    scores.* exclude (scores.team_id, scores.moment)
from conditions
left join scores using (team_id, moment)
order by team_id, moment;
