-- The record tables' references (docs/data-contract.md), found and checked in one pass per
-- foreign key: the row each key refers to, and the contract's rules on it. A record's
-- client, team and treatment exist, a list's treatment is its client's own, and nothing is
-- dated before the client's birth. A record that breaks a rule is excluded, with the
-- records that depend on it, or the run stops (config validation.record_problems).
--
-- Inputs (registered by ldj_analysis.key_lookups):
-- * clients_in (row, client_id, client_ref, birth_date), teams_in (row, team_id);
-- * treatments_in (row, treatment_id, client_id, client_ref, team_id, start_date,
--   age_at_start);
-- * questionnaires_in (row, client_id, client_ref, treatment_id, filled_on, age).
-- `row` is a record's place in its table, from 0. `client_ref` is what a record finds its
-- client by: the client id, or where the extraction from a database found the client's row
-- already, that row (a join on integers instead of long pseudonyms). A database source
-- sends no birth dates but the client's age in days at the event (`age_at_start`, `age`);
-- the other is missing.
-- clients_first, teams_first and treatments_first hold the rows a key refers to: each key's
-- first row (the table itself when its keys are distinct, the valid case).
--
-- Each view has a row per record (in no order; `row` places it): the row its key refers to
-- (-1 where the key is missing or not found), then a column per rule (true: broken). One
-- join per view, so that DuckDB holds one referred table at a time.

-- A treatment's client is known, and the treatment starts on or after the client's birth.
create or replace temp view treatment_client as
select
    t.row,
    coalesce(c.row, -1) as client_row,
    t.client_id is not null and c.row is null as client_unknown,
    coalesce(t.start_date < c.birth_date, t.age_at_start < 0, false) as before_birth
from treatments_in as t
left join clients_first as c on t.client_ref = c.client_ref;

-- A treatment's team is known.
create or replace temp view treatment_team as
select
    t.row,
    coalesce(m.row, -1) as team_row,
    t.team_id is not null and m.row is null as team_unknown
from treatments_in as t
left join teams_first as m on t.team_id = m.team_id;

-- A list's client is known, and the list is filled in on or after the client's birth.
create or replace temp view list_client as
select
    q.row,
    coalesce(c.row, -1) as client_row,
    q.client_id is not null and c.row is null as client_unknown,
    coalesce(q.filled_on < c.birth_date, q.age < 0, false) as before_birth
from questionnaires_in as q
left join clients_first as c on q.client_ref = c.client_ref;

-- A list's treatment (if it names one) is known, has a client, and that client is the
-- list's.
create or replace temp view list_treatment as
select
    q.row,
    coalesce(t.row, -1) as treatment_row,
    q.treatment_id is not null and t.client_id is null as treatment_unknown,
    t.client_id is not null and (q.client_id is null or t.client_id != q.client_id)
        as other_client
from questionnaires_in as q
left join treatments_first as t on q.treatment_id = t.treatment_id;
