-- Step 10. The selected pairs with their scores and covariates, ordered by team-period,
-- client (the database's row order when ids came pseudonymised) and domain:
-- sex, age at the end list (days / 365.25) and the treatment's duration (to its end, or to
-- the end list while it is open). The database sends ages instead of birth dates.
CREATE OR REPLACE TEMP TABLE pair AS
SELECT row_number() OVER (
           ORDER BY w.team_id, w.moment,
                    CASE WHEN getvariable('ids_pseudonymised') THEN c.pos END,
                    w.client_id, i.domain
       ) AS pair_no,
       w.client_id, w.team_id, w.moment, p.condition, i.domain, w.instrument, w.informant,
       w.treatment_id, pre.record_id AS pre_record, w.record_id AS post_record,
       pre.filled_on AS pre_date, w.filled_on AS post_date,
       pre.raw_total AS pre_raw, w.raw_total AS post_raw,
       c.sex, c.birth_date,
       coalesce(datediff('day', c.birth_date, w.filled_on), w._age_days) / 365.25 AS age,
       datediff('day', tr.start_date, coalesce(tr.end_date, w.filled_on))::DOUBLE
           AS duration_days,
       pre._age_years AS pre_age_years, w._age_years AS post_age_years
FROM selected_pair w
JOIN start_list pre ON pre.pos = w.start_pos
JOIN team_periods p ON p.team_id = w.team_id AND p.moment = w.moment
JOIN study_instruments i ON i.instrument = w.instrument
LEFT JOIN clients_in c ON c.client_id = w.client_id
LEFT JOIN treatments_in tr ON tr.treatment_id = w.treatment_id;

-- Both lists of every pair, with the age in whole years the norms are banded by.
CREATE OR REPLACE TEMP TABLE pair_list AS
SELECT pair_no, 'pre' AS side, instrument, sex, pre_raw AS raw,
       coalesce(whole_years(birth_date, pre_date), pre_age_years) AS age_years
FROM pair
UNION ALL
SELECT pair_no, 'post', instrument, sex, post_raw,
       coalesce(whole_years(birth_date, post_date), post_age_years)
FROM pair;
