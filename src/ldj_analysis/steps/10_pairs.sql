-- Step 10. The selected pairs with their scores and covariates, ordered by team-period,
-- client (the database's row order when ids came pseudonymised) and domain:
-- sex, age at the end list (days / 365.25) and the treatment's duration (to its end, or to
-- the end list while it is open). The database sends ages instead of birth dates.
-- Both lists come from the export by their row (pos); questionnaires_in is read twice: two
-- import CTEs, each used once (DuckDB materialises a CTE used twice). Each import keeps
-- only the rows of the selected pairs (a semi join), so that the joins below hash the
-- pairs' rows, not millions of the export's. The pair order (pair_no) is numbered on the
-- few columns it sorts by (numbered: team-period, client, domain, with the end list's row)
-- and joined to the pairs by that row, so the sort does not carry the pairs' other
-- columns; clients and instruments have an import CTE for each of the two uses.
-- Rule (docs/study.md section 3, item 5): "the outcome is the change from pre to post, with
-- sex, age and treatment duration as covariates".
create or replace temp table pair as
with

winners as (
    select * from selected_pair
),

end_lists as (
    select q.* from questionnaires_in as q
    semi join selected_pair as w on q.pos = w.pos
),

start_lists as (
    select q.* from questionnaires_in as q
    semi join selected_pair as w on q.pos = w.start_pos
),

periods as (
    select * from team_periods
),

instruments as (
    select * from study_instruments
),

clients as (
    select c.* from clients_in as c
    semi join selected_pair as w on c.pos = w.client_row
),

treatments as (
    select t.* from treatments_in as t
    semi join selected_pair as w on t.pos = w.treatment_row
),

-- The sort keys of the pair order.
pair_order as (
    select
        pos,
        team_id,
        moment,
        instrument,
        client_row
    from selected_pair
),

order_instruments as (
    select * from study_instruments
),

order_clients as (
    select
        c.pos,
        c.client_id
    from clients_in as c
    semi join selected_pair as w on c.pos = w.client_row
),

numbered as (
    select
        o.pos,
        row_number() over (
            order by
                o.team_id, o.moment,
                case when getvariable('ids_pseudonymised') then c.pos end,
                c.client_id, i.domain
        ) as pair_no
    from pair_order as o
    inner join order_instruments as i on o.instrument = i.instrument
    left join order_clients as c on o.client_row = c.pos
),

final as (
    select
        n.pair_no,
        c.client_id,
        w.team_id,
        w.moment,
        p.condition,
        i.domain,
        w.instrument,
        w.informant,
        tr.treatment_id,
        pre.record_id as pre_record,
        post.record_id as post_record,
        pre.filled_on as pre_date,
        post.filled_on as post_date,
        pre.raw_total as pre_raw,
        post.raw_total as post_raw,
        c.sex,
        c.birth_date,
        coalesce(datediff('day', c.birth_date, post.filled_on), post._age_days) / 365.25 as age,
        datediff('day', tr.start_date, coalesce(tr.end_date, post.filled_on))::double
            as duration_days,
        pre._age_years as pre_age_years,
        post._age_years as post_age_years
    from winners as w
    inner join numbered as n on w.pos = n.pos
    inner join end_lists as post on w.pos = post.pos
    inner join start_lists as pre on w.start_pos = pre.pos
    inner join periods as p on w.team_id = p.team_id and w.moment = p.moment
    inner join instruments as i on w.instrument = i.instrument
    left join clients as c on w.client_row = c.pos
    left join treatments as tr on w.treatment_row = tr.pos
)

select * from final;

-- Both lists of every pair, with the age in whole years the norms are banded by.
create or replace temp table pair_list as
with

start_lists as (
    select
        pair_no,
        'pre' as side,
        instrument,
        sex,
        pre_raw as raw,
        coalesce(whole_years(birth_date, pre_date), pre_age_years) as age_years
    from pair
),

end_lists as (
    select
        pair_no,
        'post' as side,
        instrument,
        sex,
        post_raw as raw,
        coalesce(whole_years(birth_date, post_date), post_age_years) as age_years
    from pair
)

select * from start_lists
union all
select * from end_lists;
