-- Step 11. Response per team-period (docs/study.md section 2): responders / closed
-- treatments * 100, counted before the norm step. Responders (response.numerator): distinct
-- clients with a selected pair (default), selected pairs, or distinct clients with a usable
-- end list. Without closed treatments the response is undefined (NULL).
CREATE OR REPLACE TEMP TABLE responders AS
SELECT team_id, moment, count(DISTINCT client_id) AS n_responders FROM pair
WHERE getvariable('numerator') = 'clients_with_pair' GROUP BY team_id, moment
UNION ALL
SELECT team_id, moment, count(*) FROM pair
WHERE getvariable('numerator') = 'pairs' GROUP BY team_id, moment
UNION ALL
SELECT team_id, moment, count(DISTINCT client_id) FROM end_list
WHERE getvariable('numerator') = 'clients_with_post' GROUP BY team_id, moment;

CREATE OR REPLACE TEMP TABLE team_period_response AS
SELECT t.*, coalesce(r.n_responders, 0) AS n_responders,
       CASE WHEN t.closed_treatments > 0
            THEN coalesce(r.n_responders, 0)::DOUBLE / t.closed_treatments * 100.0
       END AS response
FROM team_periods t LEFT JOIN responders r USING (team_id, moment)
ORDER BY team_id, moment;

CREATE OR REPLACE TEMP TABLE response_undefined AS
SELECT 'implementation' AS "table",
       'team_id=' || team_id || ', moment=' || moment AS key,
       'response' AS step,
       CASE WHEN closed_treatments IS NULL THEN 'response undefined: closed treatments missing'
            ELSE 'response undefined: 0 closed treatments' END AS reason
FROM team_period_response WHERE response IS NULL
ORDER BY team_id, moment;
