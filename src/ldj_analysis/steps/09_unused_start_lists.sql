-- Step 9. Start lists left over: one that fitted an end list but was not chosen is a
-- duplicate (duplicate_start_lists preferred another); one that fitted none is unused.
CREATE OR REPLACE TEMP TABLE unused_start AS
SELECT s.pos, s.record_id AS key,
       CASE WHEN s.pos IN (SELECT start_pos FROM start_fits_end) THEN 'duplicate'
            ELSE 'unused_start' END AS step,
       CASE WHEN s.pos IN (SELECT start_pos FROM start_fits_end)
            THEN 'another start list of this informant fitted the end list better ('
                 || getvariable('duplicate_start_lists') || ')'
            ELSE 'no selected end list of the same client, instrument and informant after it'
       END AS reason
FROM start_list s
WHERE s.pos NOT IN (SELECT start_pos FROM selected_pair)
  AND s.pos NOT IN (SELECT pos FROM pair_not_selected);

-- The exclusion log of the questionnaire lists: each excluded list once, at its first
-- failing step (written in export order: ldj_analysis.pairing.LIST_EXCLUSIONS).
CREATE OR REPLACE TEMP VIEW list_exclusion AS
SELECT pos, record_id AS key, step, reason FROM list_check WHERE step IS NOT NULL
UNION ALL SELECT * FROM duplicate_end_list
UNION ALL SELECT * FROM no_start
UNION ALL SELECT * FROM pair_not_selected
UNION ALL SELECT * FROM unused_start;
