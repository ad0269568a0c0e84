-- Step 5. The checks every list passes in turn (docs/study.md section 3, items 1-3); a list
-- is excluded at the first it fails. End lists are placed in their team-period first: the
-- period of their team that holds the date (of overlapping periods, the earliest moment).
CREATE OR REPLACE TEMP TABLE end_list_period AS
SELECT l.pos, p.moment, p.instrument_opgroei, p.instrument_opvoed
FROM list l
JOIN team_periods p
  ON p.team_id = l.team_id AND l.filled_on BETWEEN p.period_start AND p.period_end
WHERE l.occasion = 'eind'
QUALIFY row_number() OVER (PARTITION BY l.pos ORDER BY p.moment) = 1;

CREATE OR REPLACE TEMP TABLE list_check AS
WITH checked AS (
    SELECT l.pos, l.record_id, l.client_id, l.treatment_id, l.instrument, l.informant,
           l.occasion, l.filled_on, l.raw_total, l._age_days, l._age_years, l.team_id,
           l.grp, l.grp_pos, l.institution_id, l.treatment_team, p.moment,
           CASE
               WHEN l.occasion = 'tussen' THEN 'interim'
               WHEN NOT coalesce(l.study_instrument, false) THEN 'instrument'
               WHEN l.raw_total IS NULL THEN 'raw_total'
               WHEN l.occasion = 'eind' AND l.treatment_id IS NULL THEN 'treatment'
               WHEN NOT coalesce(l.informant_in_priority, false) THEN 'informant'
               WHEN l.occasion = 'eind' AND p.moment IS NULL THEN 'period'
               WHEN l.occasion = 'eind'
                AND NOT coalesce(l.instrument IN (p.instrument_opgroei, p.instrument_opvoed), false)
                   THEN 'team_instrument'
           END AS step
    FROM list l LEFT JOIN end_list_period p USING (pos)
)
SELECT * EXCLUDE (institution_id, treatment_team),
       CASE step
           WHEN 'interim' THEN 'interim list (tussen)'
           WHEN 'instrument' THEN
               'instrument ' || coalesce(instrument, '?') || ' is not used in the study'
           WHEN 'raw_total' THEN 'raw total missing: list incomplete'
           WHEN 'treatment' THEN
               'no treatment_id and no treatment of this client covers the end list''s date'
           WHEN 'informant' THEN
               'informant ' || coalesce(informant, '?') || ' is not in the informant priority'
               || coalesce(' of institution ' || institution_id, '')
           WHEN 'period' THEN
               'end list outside every period of team ' || coalesce(treatment_team, '?')
           WHEN 'team_instrument' THEN
               'team ' || team_id || ' does not use ' || instrument || ' at moment ' || moment
       END AS reason
FROM checked;

-- The usable end lists, each in its team-period (also the response's clients_with_post).
CREATE OR REPLACE TEMP TABLE end_list AS
SELECT pos, record_id, client_id, treatment_id, instrument, informant, filled_on, raw_total,
       _age_days, _age_years, team_id, moment, grp, grp_pos
FROM list_check WHERE step IS NULL AND occasion = 'eind';

CREATE OR REPLACE TEMP TABLE start_list AS
SELECT pos, record_id, client_id, treatment_id, instrument, informant, filled_on, raw_total,
       _age_years
FROM list_check WHERE step IS NULL AND occasion = 'begin';
