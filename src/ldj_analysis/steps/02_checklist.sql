-- Step 2. LDJ Checklist scores per team-period, as percentages (docs/study.md section 2).
-- A score (a domain, or the total over all items) is points / (2 * answered items) * 100,
-- provided at most checklist.max_missing_share of its items are empty; an empty item never
-- counts as 0. The total is not scored when one of the domains is not.
CREATE OR REPLACE TEMP TABLE checklist_answer AS
FROM (SELECT pos, team_id, moment, COLUMNS('^item_\d+$') FROM checklist_in)
UNPIVOT INCLUDE NULLS (points FOR item IN (COLUMNS('^item_\d+$')));

CREATE OR REPLACE TEMP TABLE checklist_score AS
WITH counted AS (
    SELECT a.pos, a.team_id, a.moment, s.score, s.score_no,
           count(*) AS n_items,
           count(a.points) AS answered,
           count(*) - count(a.points) AS n_missing,
           sum(a.points)::DOUBLE AS points
    FROM checklist_answer a JOIN checklist_items s USING (item)
    GROUP BY ALL
), scored AS (
    SELECT *,
           CASE WHEN answered > 0
                 AND n_missing / n_items <= getvariable('max_missing_share') + 1e-9
                THEN points / (getvariable('item_max') * answered) * 100.0
           END AS value
    FROM counted
)
SELECT * EXCLUDE (value),
       CASE WHEN score = 'total'
             AND bool_or(value IS NULL AND score <> 'total') OVER (PARTITION BY pos)
            THEN NULL ELSE value END AS value
FROM scored;

-- Exclusion log: every score that could not be computed, score by score.
CREATE OR REPLACE TEMP TABLE checklist_unscored AS
SELECT 'checklist' AS "table",
       'team_id=' || team_id || ', moment=' || moment AS key,
       'checklist scoring' AS step,
       score || ' not scored: ' || n_missing || ' of ' || n_items || ' items missing'
           || CASE WHEN score = 'total' THEN ' or a domain not scored' ELSE '' END AS reason
FROM checklist_score WHERE value IS NULL
ORDER BY score_no, pos;
