-- Step 0. Two small functions the steps share.
-- Rules (docs/study.md section 3): "several start or end lists of one informant" are an
-- edge case the report leaves open, settled by pairing.duplicate_end_lists and
-- pairing.duplicate_start_lists (`preferred`); section 2: "norm groups by instrument, sex
-- and age band" (`whole_years`, the age in the band).

-- The order a duplicate rule prefers: 'latest' puts the latest date first, else the earliest.
create or replace temp macro preferred(filled_on, rule) as
case when rule = 'latest' then -epoch_us(filled_on) else epoch_us(filled_on) end;

-- Age in whole (completed) years from birth to on_date, the age the norms are banded by.
create or replace temp macro whole_years(birth, on_date) as
year(on_date) - year(birth)
- case
    when
        month(on_date) < month(birth)
        or (month(on_date) = month(birth) and day(on_date) < day(birth))
        then 1
    else 0
end;
