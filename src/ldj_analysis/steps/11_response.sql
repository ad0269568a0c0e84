-- Step 11. Response per team-period (docs/study.md section 2): responders / closed
-- treatments * 100, counted before the norm step. Responders (response.numerator): distinct
-- clients with a selected pair (default), selected pairs, or distinct clients with a usable
-- end list. Without closed treatments the response is undefined (NULL).
-- Rule (section 2, "Response"): "the linked pre/post measurements of the period divided by
-- the treatments closed in the period [...], in percent"; "With no closed treatments the
-- response is undefined: reported as missing and left out of the models".
create or replace temp table responders as
with

clients_with_pair as (
    select
        team_id,
        moment,
        count(distinct client_id) as n_responders
    from pair
    where getvariable('numerator') = 'clients_with_pair'
    group by team_id, moment
),

pairs as (
    select
        team_id,
        moment,
        count(*) as n_responders
    from pair
    where getvariable('numerator') = 'pairs'
    group by team_id, moment
),

clients_with_post as (
    select
        team_id,
        moment,
        count(distinct client_row) as n_responders
    from end_list
    where getvariable('numerator') = 'clients_with_post'
    group by team_id, moment
)

select * from clients_with_pair
union all
select * from pairs
union all
select * from clients_with_post;

create or replace temp table team_period_response as
with

periods as (
    select * from team_periods
),

responder_counts as (
    select * from responders
)

select
    t.*,
    coalesce(r.n_responders, 0) as n_responders,
    case
        when t.closed_treatments > 0
            then coalesce(r.n_responders, 0)::double / t.closed_treatments * 100.0
    end as response
from periods as t
left join responder_counts as r using (team_id, moment)
order by team_id, moment;

create or replace temp table response_undefined as
select
    'implementation' as "table",
    'team_id=' || team_id || ', moment=' || moment as key,
    'response' as step,
    case
        when closed_treatments is null then 'response undefined: closed treatments missing'
        else 'response undefined: 0 closed treatments'
    end as reason
from team_period_response
where response is null
order by team_id, moment;

-- Not read after this step (the usable end lists: pairing.select_pairs, which stops after
-- step 10, still reads them).
drop table end_list;
