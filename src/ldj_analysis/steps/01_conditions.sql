-- Step 1. Research condition of every team-period (docs/study.md section 1, Table 1).
-- Rule (section 1, "The 42-day lag"): "A team-period is `full` when dashboard date + 42 days
-- <= its reference date, else `partial` when training date + 42 days <= the reference date,
-- else `control`; control-arm teams are always `control`."
-- A team-period is a team's implementation row with its checklist row (both needed).
-- Its reference date (conditions.reference_date) decides the condition: a control-arm team
-- stays control; an experimental team is 'full' once its dashboard, else 'partial' once
-- its training, is at least conditions.lag_days (42) days old on that date.
create or replace temp table team_period_condition as
with

implementations as (
    select * from implementation_in
),

checklists as (
    select * from checklist_in
),

teams as (
    select * from teams_in
),

dated as (
    select
        i.team_id,
        t.institution_id,
        t.arm,
        i.moment,
        i.period_start,
        i.period_end,
        case getvariable('reference_date')
            when 'checklist_filled_on' then c.filled_on
            when 'implementation_filled_on' then i.filled_on
            when 'period_end' then i.period_end
        end as reference_date,
        i.closed_treatments,
        i.training_date,
        i.dashboard_date,
        i.instrument_opgroei,
        i.instrument_opvoed
    from implementations as i
    inner join checklists as c using (team_id, moment)
    left join teams as t using (team_id)
),

final as (
    select
        *,
        case
            when arm = 'control' then 'control'
            when dashboard_date + interval (getvariable('lag_days')) day <= reference_date
                then 'full'
            when training_date + interval (getvariable('lag_days')) day <= reference_date
                then 'partial'
            else 'control'
        end as condition
    from dated
)

select * from final
order by team_id, moment;
