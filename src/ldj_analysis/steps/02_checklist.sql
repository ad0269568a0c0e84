-- Step 2. LDJ Checklist scores per team-period, as percentages (docs/study.md section 2).
-- Rule (section 2, "Data use: the LDJ Checklist"): "A domain score is its points divided by
-- its maximum, times 100"; "the pipeline never scores a missing item as 0 silently: a domain
-- is scored over its answered items while at most `checklist.max_missing_share` of them
-- (default 0.2) are missing, and is missing otherwise."
-- A score (a domain, or the total over all items) is points / (2 * answered items) * 100,
-- provided at most checklist.max_missing_share of its items are empty; an empty item never
-- counts as 0. The total is not scored when one of the domains is not.
create or replace temp table checklist_answer as
with

checklist_rows as (
    select
        pos,
        team_id,
        moment,
        columns('^item_\d+$')
    from checklist_in
)

select * from checklist_rows
unpivot include nulls (points for item in (columns('^item_\d+$')));

create or replace temp table checklist_score as
with

answers as (
    select * from checklist_answer
),

items as (
    select * from checklist_items
),

counted as (
    select
        a.pos,
        a.team_id,
        a.moment,
        s.score,
        s.score_no,
        count(*) as n_items,
        count(a.points) as answered,
        count(*) - count(a.points) as n_missing,
        sum(a.points)::double as points
    from answers as a
    inner join items as s using (item)
    group by all
),

scored as (
    select
        *,
        case
            when
                answered > 0
                and n_missing / n_items <= getvariable('max_missing_share') + 1e-9
                then points / (getvariable('item_max') * answered) * 100.0
        end as value
    from counted
),

final as (
    select
        * exclude (value),
        case
            when
                score = 'total'
                and bool_or(value is null and score <> 'total') over (partition by pos)
                then null
            else value
        end as value
    from scored
)

select * from final;

-- Exclusion log: every score that could not be computed, score by score.
create or replace temp table checklist_unscored as
with

scores as (
    select * from checklist_score
)

select
    'checklist' as "table",
    'team_id=' || team_id || ', moment=' || moment as key,
    'checklist scoring' as step,
    score || ' not scored: ' || n_missing || ' of ' || n_items || ' items missing'
    || case when score = 'total' then ' or a domain not scored' else '' end as reason
from scores
where value is null
order by score_no, pos;

-- Not read after this step (the steps drop what they no longer need: memory at scale).
drop table checklist_answer;
