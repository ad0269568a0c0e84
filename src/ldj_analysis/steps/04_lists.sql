-- Step 4. What the pairing steps need to know about every questionnaire list
-- (docs/study.md section 3): its treatment, that treatment's team and institution, and
-- the informant's place in that institution's informant priority. Ids are unique in the
-- export's tables and a treatment_id names a treatment of the export (validation stops on
-- a duplicate key and excludes a list whose treatment is unknown).

-- A list without a treatment_id belongs to the client's treatment that covers its date (start_date <= filled_on <= end_date, open end
-- allowed; end lists up to pairing.end_list_grace_days after the end); of several, the one
-- that started last, then the smallest treatment_id.
CREATE OR REPLACE TEMP TABLE covering_treatment AS
SELECT q.pos, t.treatment_id
FROM questionnaires_in q
JOIN treatments_in t ON t.client_id = q.client_id
WHERE q.treatment_id IS NULL
  AND t.start_date <= q.filled_on
  AND (t.end_date IS NULL OR q.filled_on <= t.end_date + INTERVAL (
        CASE WHEN q.occasion = 'eind' THEN getvariable('end_list_grace_days') ELSE 0 END) DAY)
QUALIFY row_number() OVER (PARTITION BY q.pos ORDER BY t.start_date DESC, t.treatment_id) = 1;

-- Every list with its treatment, team (only a team of the teams table), institution and
-- informant rank: grp = the informant's priority group (0 first), grp_pos = its place in
-- the group (moeder before stiefmoeder); NULL when the informant is not in the priority.
CREATE OR REPLACE TEMP VIEW list AS
SELECT q.* EXCLUDE (treatment_id),
       q.instrument IN (SELECT instrument FROM study_instruments) AS study_instrument,
       tr.treatment_id, tr.team_id AS treatment_team, tm.team_id, tm.institution_id,
       r.grp, r.grp_pos,
       CASE WHEN tm.institution_id IS NOT NULL THEN r.grp IS NOT NULL
            ELSE q.informant IN (SELECT informant FROM informant_rank)
       END AS informant_in_priority
FROM questionnaires_in q
LEFT JOIN covering_treatment c USING (pos)
LEFT JOIN treatments_in tr ON tr.treatment_id = coalesce(c.treatment_id, q.treatment_id)
LEFT JOIN teams_in tm ON tm.team_id = tr.team_id
LEFT JOIN informant_rank r ON r.institution_id = tm.institution_id AND r.informant = q.informant;
