-- Step 13. A pair with a list without norm group leaves the analysis; both its lists go
-- to the exclusion log (all start lists, then all end lists, in pair order).
CREATE OR REPLACE TEMP TABLE scored_pair AS
SELECT p.*, pre.z AS pre_z, post.z AS post_z, pre.norm_row AS pre_norm_row,
       post.norm_row AS post_norm_row,
       CASE WHEN pre.no_norm_reason IS NOT NULL THEN 'start list: ' || pre.no_norm_reason
            WHEN post.no_norm_reason IS NOT NULL THEN 'end list: ' || post.no_norm_reason
       END AS no_norm_reason
FROM pair p
JOIN list_norm pre ON pre.pair_no = p.pair_no AND pre.side = 'pre'
JOIN list_norm post ON post.pair_no = p.pair_no AND post.side = 'post'
ORDER BY p.pair_no;

CREATE OR REPLACE TEMP TABLE norm_exclusion AS
SELECT 'questionnaires' AS "table", key, 'norm' AS step, no_norm_reason AS reason
FROM (
    SELECT 1 AS side, pair_no, pre_record AS key, no_norm_reason FROM scored_pair
    UNION ALL
    SELECT 2, pair_no, post_record, no_norm_reason FROM scored_pair
)
WHERE no_norm_reason IS NOT NULL
ORDER BY side, pair_no;
