-- Step 4. What the pairing steps need to know about every questionnaire list
-- (docs/study.md section 3): its treatment, that treatment's team and institution, and
-- the informant's place in that institution's informant priority.
-- Rule (section 3, item 2): "every end-of-treatment list (post) filled in the period for the
-- team's opgroei and opvoed instruments is taken".
-- Ids are unique in the export's tables and a treatment_id names a treatment of the export
-- (validation stops on a duplicate key and excludes a list whose treatment is unknown).
-- The steps join clients and treatments by row, not by id: _client_row and _treatment_row
-- are the rows of the list's client and named treatment (validation finds them; -1 where
-- none is named), and a row's pos is its place in its table.

-- A list without a treatment_id (_treatment_row -1: the lists' text ids are not read)
-- belongs to the client's treatment that covers its date
-- (start_date <= filled_on <= end_date, open end allowed; end lists up to
-- pairing.end_list_grace_days after the end); of several, the one that started last, then
-- the smallest treatment_id.
create or replace temp table covering_treatment as
with

questionnaires as (
    select * from questionnaires_in
),

treatments as (
    select * from treatments_in
)

select
    q.pos,
    t.pos as treatment_row
from questionnaires as q
inner join treatments as t on q._client_row = t._client_row
where
    q._treatment_row = -1
    and t.start_date <= q.filled_on
    and (t.end_date is null or q.filled_on <= t.end_date + interval (
        case when q.occasion = 'eind' then getvariable('end_list_grace_days') else 0 end
    ) day)
qualify row_number() over (partition by q.pos order by t.start_date desc, t.treatment_id asc) = 1;

-- Every list with its treatment, team (only a team of the teams table), institution and
-- informant rank: grp = the informant's priority group (0 first), grp_pos = its place in
-- the group (moeder before stiefmoeder); NULL when the informant is not in the priority.
-- The treatments are joined to their team first (treatment_teams), so the lists' join by
-- treatment row brings the team along: the team's text id is matched once per treatment
-- (4.5 M at 10 M lists), not once per list.
-- informant_rank is read twice (ranks, ranked_informants): two import CTEs, each used once,
-- because DuckDB inlines a CTE used once but materialises one used twice (a copy).
create or replace temp view list as
with

questionnaires as (
    select * from questionnaires_in
),

covering as (
    select * from covering_treatment
),

treatments as (
    select * from treatments_in
),

teams as (
    select * from teams_in
),

treatment_teams as (
    select
        tr.pos,
        tm.team_id,
        tm.institution_id
    from treatments as tr
    left join teams as tm on tr.team_id = tm.team_id
),

ranks as (
    select * from informant_rank
),

instruments as (
    select instrument from study_instruments
),

ranked_informants as (
    select informant from informant_rank
),

final as (
    select
        q.pos,
        q.record_id,
        q._client_row as client_row,
        q.instrument,
        q.informant,
        q.occasion,
        q.filled_on,
        q.raw_total,
        q.instrument in (select si.instrument from instruments as si) as study_instrument,
        tt.pos as treatment_row,
        tt.team_id,
        tt.institution_id,
        r.grp,
        r.grp_pos,
        case
            when tt.institution_id is not null then r.grp is not null
            else q.informant in (select ri.informant from ranked_informants as ri)
        end as informant_in_priority
    from questionnaires as q
    left join covering as c using (pos)
    left join treatment_teams as tt on coalesce(c.treatment_row, q._treatment_row) = tt.pos
    left join ranks as r on tt.institution_id = r.institution_id and q.informant = r.informant
)

select * from final;
