-- The contract's checks of the team-level tables against each other (docs/data-contract.md,
-- "implementation" and "checklist"). A problem found here stops the run: validation lists
-- it with every other problem of the export (ldj_analysis.validation).
-- Inputs: teams_in (team_id), implementation_in (row, team_id, moment, training_date,
-- dashboard_date) and checklist_in (row, team_id, moment); `row` is a row's place in its
-- table, from 0. A missing value is a problem of its own, reported by the column checks;
-- here two missing values are the same key.

-- Implementation and checklist rows name a team of the teams table.
create or replace temp view unknown_team as
with

known_teams as (
    select team_id from teams_in
    where team_id is not null
),

team_rows as (
    select
        'implementation' as "table",
        row,
        team_id
    from implementation_in
    union all
    select
        'checklist' as "table",
        row,
        team_id
    from checklist_in
)

select
    r."table",
    r.row,
    r.team_id
from team_rows as r
left join known_teams as k on r.team_id = k.team_id
where r.team_id is not null and k.team_id is null;

-- Each implementation row has a checklist row of the same team and moment, and back.
create or replace temp view unmatched_moment as
with

implementation_moments as (
    select
        team_id,
        moment
    from implementation_in
),

checklist_moments as (
    select
        team_id,
        moment
    from checklist_in
),

without_checklist as (
    select * from implementation_moments
    except
    select * from checklist_moments
),

without_implementation as (
    select * from checklist_moments
    except
    select * from implementation_moments
)

select
    'implementation' as "table",
    'checklist' as other,
    team_id,
    moment
from without_checklist
union all
select
    'checklist' as "table",
    'implementation' as other,
    team_id,
    moment
from without_implementation;

-- The implementation dates are the team's: its moments may not give two different dates.
create or replace temp view disagreeing_date as
with

team_dates as (
    select
        team_id,
        'training_date' as date_column,
        training_date as team_date
    from implementation_in
    union all
    select
        team_id,
        'dashboard_date' as date_column,
        dashboard_date as team_date
    from implementation_in
)

select
    date_column,
    team_id,
    list_sort(list_distinct(list(cast(cast(team_date as date) as varchar)))) as dates
from team_dates
where team_id is not null and team_date is not null
group by date_column, team_id
having count(distinct team_date) > 1;
