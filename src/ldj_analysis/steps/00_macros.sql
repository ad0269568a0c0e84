-- Step 0. Two small functions the steps share.

-- The order a duplicate rule prefers: 'latest' puts the latest date first, else the earliest.
CREATE OR REPLACE TEMP MACRO preferred(filled_on, rule) AS
    CASE WHEN rule = 'latest' THEN -epoch_us(filled_on) ELSE epoch_us(filled_on) END;

-- Age in whole (completed) years from birth to on_date, the age the norms are banded by.
CREATE OR REPLACE TEMP MACRO whole_years(birth, on_date) AS
    year(on_date) - year(birth)
    - CASE WHEN month(on_date) < month(birth)
                OR (month(on_date) = month(birth) AND day(on_date) < day(birth))
           THEN 1 ELSE 0 END;
