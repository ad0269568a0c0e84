-- Step 12. Norm z-scores of both lists of every pair (docs/norms.md): the norm row of the
-- list's instrument whose age band holds its age in whole years, the first of its own sex,
-- else the first for sex 'all'; z = (raw - mean) / sd, sign turned when a higher score is
-- better. A pair with a list without norm group leaves the analysis (both lists logged).
CREATE OR REPLACE TEMP TABLE list_norm AS
WITH norm_group AS (
    SELECT l.pair_no, l.side, n.norm_row, n.mean, n.sd, n.higher_is_worse
    FROM pair_list l
    JOIN norms_in n
      ON n.instrument = l.instrument
     AND l.age_years BETWEEN n.age_min AND n.age_max
     AND (n.sex = l.sex OR n.sex = 'all')
    QUALIFY row_number() OVER (PARTITION BY l.pair_no, l.side ORDER BY n.sex = 'all', n.norm_row)
        = 1
)
SELECT l.pair_no, l.side, g.norm_row,
       CASE WHEN coalesce(g.higher_is_worse, true) THEN 1.0 ELSE -1.0 END
           * (l.raw - g.mean) / g.sd AS z,
       CASE
           WHEN g.norm_row IS NOT NULL THEN NULL
           WHEN l.instrument NOT IN (SELECT instrument FROM norms_in)
               THEN 'no norm group: instrument not in the norm table'
           WHEN l.age_years IS NULL THEN 'no norm group: age unknown (birth date missing)'
           ELSE 'no norm group for this instrument, sex and age'
       END AS no_norm_reason
FROM pair_list l LEFT JOIN norm_group g USING (pair_no, side);
