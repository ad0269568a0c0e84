-- Step 1. Research condition of every team-period (docs/study.md section 1, Table 1).
-- A team-period is a team's implementation row with its checklist row (both needed).
-- Its reference date (conditions.reference_date) decides the condition: a control-arm team
-- stays control; an experimental team is 'full' once its dashboard, else 'partial' once
-- its training, is at least conditions.lag_days (42) days old on that date.
CREATE OR REPLACE TEMP TABLE team_period_condition AS
WITH dated AS (
    SELECT i.team_id, t.institution_id, t.arm, i.moment, i.period_start, i.period_end,
           CASE getvariable('reference_date')
               WHEN 'checklist_filled_on' THEN c.filled_on
               WHEN 'implementation_filled_on' THEN i.filled_on
               WHEN 'period_end' THEN i.period_end
           END AS reference_date,
           i.closed_treatments, i.training_date, i.dashboard_date,
           i.instrument_opgroei, i.instrument_opvoed
    FROM implementation_in i
    JOIN checklist_in c USING (team_id, moment)
    LEFT JOIN teams_in t USING (team_id)
)
SELECT *,
       CASE
           WHEN arm = 'control' THEN 'control'
           WHEN dashboard_date + INTERVAL (getvariable('lag_days')) DAY <= reference_date
               THEN 'full'
           WHEN training_date + INTERVAL (getvariable('lag_days')) DAY <= reference_date
               THEN 'partial'
           ELSE 'control'
       END AS condition
FROM dated
ORDER BY team_id, moment;
