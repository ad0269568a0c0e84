-- Step 7. The start list of each end list: one of the same client, instrument and
-- informant, filled strictly before it and (pairing.same_treatment) of the same treatment
-- or of none. Of several, the one pairing.duplicate_start_lists prefers (earliest: closest
-- to the start of care), then the first in the export. A start list is used once: wanted
-- by several end lists, it goes to the earliest (then the first in the export).
CREATE OR REPLACE TEMP TABLE start_fits_end AS
SELECT e.pos AS end_pos, e.filled_on AS end_date, s.pos AS start_pos, s.filled_on AS start_date
FROM end_list_kept e
JOIN start_list s USING (client_id, instrument, informant)
WHERE s.filled_on < e.filled_on
  AND (NOT getvariable('same_treatment')
       OR s.treatment_id IS NULL OR s.treatment_id = e.treatment_id);

CREATE OR REPLACE TEMP TABLE preferred_start AS
SELECT * FROM start_fits_end
QUALIFY row_number() OVER (
    PARTITION BY end_pos
    ORDER BY preferred(start_date, getvariable('duplicate_start_lists')), start_pos
) = 1;

CREATE OR REPLACE TEMP TABLE matched AS
SELECT end_pos, start_pos FROM preferred_start
QUALIFY row_number() OVER (PARTITION BY start_pos ORDER BY end_date, end_pos) = 1;

CREATE OR REPLACE TEMP TABLE no_start AS
SELECT e.pos, e.record_id AS key, 'no_start' AS step,
       CASE WHEN e.pos IN (SELECT end_pos FROM start_fits_end)
            THEN 'its start list was already paired with an earlier end list'
            ELSE 'no start list of the same client, instrument and informant before it'
                 || CASE WHEN getvariable('same_treatment') THEN ' in the same treatment'
                         ELSE '' END
       END AS reason
FROM end_list_kept e
WHERE e.pos NOT IN (SELECT end_pos FROM matched);
