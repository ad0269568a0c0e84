-- Step 6. Several end lists of one informant and instrument in one treatment (one
-- occasion): keep the one pairing.duplicate_end_lists prefers (latest: the measurement
-- closest to the end of care; or earliest), then the first in the export.
CREATE OR REPLACE TEMP TABLE end_list_ranked AS
SELECT *,
       row_number() OVER (
           PARTITION BY client_id, treatment_id, instrument, informant
           ORDER BY preferred(filled_on, getvariable('duplicate_end_lists')), pos
       ) AS nth
FROM end_list;

CREATE OR REPLACE TEMP TABLE end_list_kept AS
SELECT * EXCLUDE (nth) FROM end_list_ranked WHERE nth = 1;

CREATE OR REPLACE TEMP TABLE duplicate_end_list AS
SELECT pos, record_id AS key, 'duplicate' AS step,
       'another end list of this informant and instrument in the treatment was kept ('
           || getvariable('duplicate_end_lists') || ')' AS reason
FROM end_list_ranked WHERE nth > 1;
