-- Step 8. One pair per client, instrument and team-period (a cell). End lists rank by
-- informant group, place in the group, the date duplicate_end_lists prefers, export order.
-- pairing.priority_scope 'pair': the first end list with a start list wins; 'post': only
-- end lists of the cell's first group with any end list may win. Both lists of every
-- other pair are excluded.
-- Rule (docs/study.md section 3, item 4): "when several informants filled the same
-- instrument for a client, one is kept: mother informants [...] before father informants
-- [...]. Pre and post come from the same informant".
create or replace temp table cell_candidate as
with

end_lists as (
    select * from end_list_kept
),

matches as (
    select * from matched
)

select
    e.*,
    m.start_pos,
    m.start_pos is not null and (
        getvariable('priority_scope') = 'pair'
        or e.grp = min(e.grp) over (partition by e.client_row, e.instrument, e.team_id, e.moment)
    ) as eligible
from end_lists as e
left join matches as m on e.pos = m.end_pos;

create or replace temp table selected_pair as
select * from cell_candidate
where eligible
qualify row_number() over (
    partition by client_row, instrument, team_id, moment
    order by grp, grp_pos, preferred(filled_on, getvariable('duplicate_end_lists')), pos
) = 1;

create or replace temp table pair_not_selected as
with

candidates as (
    select * from cell_candidate
),

winners as (
    select * from selected_pair
),

start_lists as (
    select * from start_list
),

loser as (
    select
        c.pos as end_pos,
        c.record_id as end_key,
        c.start_pos,
        s.record_id as start_key,
        case
            when w.informant is null
                then
                    'pair not selected: a higher-priority informant has an end list without'
                    || ' a start list (priority_scope post)'
            else
                'pair not selected: the pair of informant ' || w.informant
                || ' was chosen for this client, instrument and period'
        end as reason
    from candidates as c
    left join winners as w using (client_row, instrument, team_id, moment)
    inner join start_lists as s on c.start_pos = s.pos
    where c.start_pos is not null and c.pos is distinct from w.pos
),

final as (
    select
        end_pos as pos,
        end_key as key,
        'priority' as step,
        reason
    from loser
    union all
    select
        start_pos as pos,
        start_key as key,
        'priority' as step,
        reason
    from loser
)

select * from final;

-- Not read after this step.
drop table cell_candidate;
drop table matched;
drop table preferred_start;
drop table end_list_kept;
