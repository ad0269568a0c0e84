-- Step 13. A pair with a list without norm group leaves the analysis; both its lists go
-- to the exclusion log (all start lists, then all end lists, in pair order).
-- Rule (docs/study.md section 2, "Treatment outcomes"; docs/norms.md): z needs a norm group
-- "by instrument, sex and age band"; section 3: "every record left out is counted, with its
-- step and reason".
-- list_norm is read twice (start and end lists): two import CTEs, each used once (DuckDB
-- materialises a CTE used twice). The table is left unsorted: every reader orders by
-- pair_no (derive, and norm_exclusion below), so a sort here would be done twice.
create or replace temp table scored_pair as
with

pairs as (
    select * from pair
),

start_norms as (
    select * from list_norm
    where side = 'pre'
),

end_norms as (
    select * from list_norm
    where side = 'post'
),

final as (
    select
        p.*,
        pre.z as pre_z,
        post.z as post_z,
        pre.norm_row as pre_norm_row,
        post.norm_row as post_norm_row,
        case
            when pre.no_norm_reason is not null then 'start list: ' || pre.no_norm_reason
            when post.no_norm_reason is not null then 'end list: ' || post.no_norm_reason
        end as no_norm_reason
    from pairs as p
    inner join start_norms as pre on p.pair_no = pre.pair_no
    inner join end_norms as post on p.pair_no = post.pair_no
)

select * from final;

create or replace temp table norm_exclusion as
with

start_lists as (
    select
        1 as side,
        pair_no,
        pre_record as key,
        no_norm_reason
    from scored_pair
),

end_lists as (
    select
        2 as side,
        pair_no,
        post_record as key,
        no_norm_reason
    from scored_pair
),

lists as (
    select * from start_lists
    union all
    select * from end_lists
)

select
    'questionnaires' as "table",
    key,
    'norm' as step,
    no_norm_reason as reason
from lists
where no_norm_reason is not null
order by side, pair_no;

-- Not read after this step (pair_list is last read by step 12, which norms.norm_scores also
-- runs on a pair_list of its own: dropped here, not there).
drop table list_norm;
drop table pair_list;
