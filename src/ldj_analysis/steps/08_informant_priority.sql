-- Step 8. One pair per client, instrument and team-period (a cell). End lists rank by
-- informant group, place in the group, the date duplicate_end_lists prefers, export order.
-- pairing.priority_scope 'pair': the first end list with a start list wins; 'post': only
-- end lists of the cell's first group with any end list may win. Both lists of every
-- other pair are excluded.
CREATE OR REPLACE TEMP TABLE cell_candidate AS
SELECT e.*, m.start_pos,
       m.start_pos IS NOT NULL
           AND (getvariable('priority_scope') = 'pair'
                OR e.grp = min(e.grp) OVER (PARTITION BY client_id, instrument, team_id, moment))
           AS eligible
FROM end_list_kept e LEFT JOIN matched m ON m.end_pos = e.pos;

CREATE OR REPLACE TEMP TABLE selected_pair AS
SELECT * FROM cell_candidate WHERE eligible
QUALIFY row_number() OVER (
    PARTITION BY client_id, instrument, team_id, moment
    ORDER BY grp, grp_pos, preferred(filled_on, getvariable('duplicate_end_lists')), pos
) = 1;

CREATE OR REPLACE TEMP TABLE pair_not_selected AS
WITH loser AS (
    SELECT c.pos AS end_pos, c.record_id AS end_key, c.start_pos, s.record_id AS start_key,
           CASE WHEN w.informant IS NULL
                THEN 'pair not selected: a higher-priority informant has an end list without'
                     || ' a start list (priority_scope post)'
                ELSE 'pair not selected: the pair of informant ' || w.informant
                     || ' was chosen for this client, instrument and period'
           END AS reason
    FROM cell_candidate c
    LEFT JOIN selected_pair w USING (client_id, instrument, team_id, moment)
    JOIN start_list s ON s.pos = c.start_pos
    WHERE c.start_pos IS NOT NULL AND c.pos IS DISTINCT FROM w.pos
)
SELECT end_pos AS pos, end_key AS key, 'priority' AS step, reason FROM loser
UNION ALL
SELECT start_pos, start_key, 'priority', reason FROM loser;
