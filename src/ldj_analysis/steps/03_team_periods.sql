-- Step 3. The team-periods with their condition and checklist scores: one row per
-- team-period, in team and moment order.
CREATE OR REPLACE TEMP TABLE checklist_wide AS
PIVOT (SELECT team_id, moment, score, value FROM checklist_score)
ON score USING first(value) GROUP BY team_id, moment;

CREATE OR REPLACE TEMP TABLE team_periods AS
SELECT * FROM team_period_condition LEFT JOIN checklist_wide USING (team_id, moment)
ORDER BY team_id, moment;

