-- Dates, timestamps, timestamptz (session time zone UTC unless set below)
-- and intervals. Nothing depends on the current time.

SELECT DATE '2024-02-29', '2024-02-29'::date, CAST('2024-02-29' AS date), TIMESTAMP '2024-02-29 12:34:56.5';

SELECT DATE '2024-02-29' + 1, DATE '2024-03-01' - 1, DATE '2024-12-31' - DATE '2024-01-01', DATE '2024-01-01' - DATE '2024-12-31';

SELECT id, d + 30 AS plus, d - 30 AS minus FROM types WHERE id NOT IN (4, 5);

SELECT DATE '2024-01-31' + INTERVAL '1 month', DATE '2024-02-29' + INTERVAL '1 year', DATE '2024-03-31' - INTERVAL '1 month';

SELECT TIMESTAMP '2024-01-31 10:00:00' + INTERVAL '1 month 1 day 1 hour', TIMESTAMP '2024-03-01 00:00:00' - INTERVAL '1 second';

SELECT DATE '1998-12-01' - INTERVAL '90' DAY, DATE '1994-01-01' + INTERVAL '1' YEAR, DATE '1995-09-01' + INTERVAL '1' MONTH;

SELECT id, ts + INTERVAL '1 day' AS tomorrow, ts - ts AS zero, ts - TIMESTAMP '2000-01-01 00:00:00' AS since FROM types WHERE id NOT IN (4, 5);

SELECT id, tz + INTERVAL '90 minutes' AS later FROM types WHERE id <> 4;

SELECT id, extract(year from d) AS y, extract(month from d) AS m, extract(day from d) AS dd FROM types;

SELECT id, extract(dow from d) AS dow, extract(doy from d) AS doy, extract(quarter from d) AS q, extract(week from d) AS w, extract(isodow from d) AS idow FROM types;

SELECT id, extract(hour from ts) AS h, extract(minute from ts) AS mi, extract(second from ts) AS s FROM types;

SELECT id, extract(epoch from ts) AS e, extract(epoch from tz) AS etz FROM types;

SELECT extract(epoch from DATE '2024-01-01'), extract(year from TIMESTAMP '2024-06-30 23:59:59'), extract(century from DATE '2000-12-31'), extract(millennium from DATE '2001-01-01');

SELECT id, date_part('year', d) AS y, date_part('month', ts) AS m, date_part('hour', ts) AS h FROM types;

SELECT date_part('epoch', TIMESTAMP '1970-01-02 00:00:00'), date_part('dow', DATE '2024-02-29'), date_part('second', TIMESTAMP '2024-01-01 00:00:12.25');

SELECT extract(day from INTERVAL '3 days 4 hours'), extract(hour from INTERVAL '3 days 4 hours'), extract(epoch from INTERVAL '1 day'), extract(month from INTERVAL '14 months');

SELECT id, date_trunc('month', ts) AS m, date_trunc('year', ts) AS y, date_trunc('day', ts) AS dd, date_trunc('hour', ts) AS h FROM types;

SELECT id, date_trunc('week', ts) AS w, date_trunc('quarter', ts) AS q, date_trunc('minute', ts) AS mi, date_trunc('second', ts) AS s FROM types;

SELECT date_trunc('month', DATE '2024-02-29'), date_trunc('year', TIMESTAMPTZ '2024-06-15 10:00:00+00'), date_trunc('decade', TIMESTAMP '2024-06-15 10:00:00');

SELECT id, date_trunc('day', tz) AS dtz FROM types;

SELECT age(TIMESTAMP '2024-03-15 10:00:00', TIMESTAMP '2023-01-01 08:30:00'), age(TIMESTAMP '2023-01-01', TIMESTAMP '2024-03-15'), age(DATE '2024-02-29', DATE '2020-02-29');

SELECT id, age(ts, TIMESTAMP '1990-06-15 00:00:00') AS a FROM types WHERE id NOT IN (4, 5);

SELECT id, to_char(d, 'YYYY-MM-DD') AS iso, to_char(d, 'DD/MM/YYYY') AS eu, to_char(d, 'Mon DD, YYYY') AS us FROM types;

SELECT id, to_char(ts, 'YYYY-MM-DD HH24:MI:SS') AS full, to_char(ts, 'HH12:MI AM') AS ampm, to_char(ts, 'YYYY"Q"Q') AS q FROM types;

SELECT id, to_char(d, 'Day') AS day, to_char(d, 'FMDay') AS fmday, to_char(d, 'Month') AS month, to_char(d, 'DY') AS dy FROM types;

SELECT to_char(DATE '2024-02-29', 'YYYY-MM'), to_char(TIMESTAMP '2024-02-29 13:05:09.123456', 'HH24:MI:SS.US'), to_char(TIMESTAMP '2024-02-29 13:05:09', 'IYYY-IW');

SELECT to_char(1234.5, 'FM9999.00'), to_char(42, '000'), to_char(-3.14159, 'S9.99');

SELECT make_date(2024, 2, 29), make_date(1, 1, 1), make_timestamp(2024, 2, 29, 12, 30, 45.5);

SELECT INTERVAL '1 day' * 2, INTERVAL '1 hour' * 1.5, INTERVAL '3 days' / 2, INTERVAL '1 day' + INTERVAL '2 hours', -INTERVAL '1 day 2 hours';

SELECT INTERVAL '1 year 2 months 3 days 04:05:06', INTERVAL '90 minutes', INTERVAL '1.5 days', INTERVAL '-1 month', INTERVAL '0';

SELECT id, iv, iv * 2 AS twice, -iv AS neg, iv + INTERVAL '1 day' AS plus FROM types;

SELECT INTERVAL '1 month' = INTERVAL '30 days', INTERVAL '1 day' = INTERVAL '24 hours', INTERVAL '1 day' > INTERVAL '23 hours';

SELECT id FROM types WHERE d BETWEEN '2000-01-01' AND '2024-02-29';

SELECT id, d, ts FROM specials;

SELECT id, d + 1 AS next FROM specials WHERE id <> 1 AND id <> 2;

SELECT DATE '0001-01-01' - 1, TIMESTAMP '0001-01-01 00:00:00' - INTERVAL '1 day', DATE '2000-01-01' - 730120;

SELECT TIMESTAMPTZ '2024-02-29 12:00:00+05:30', TIMESTAMPTZ '2024-07-01 00:00:00 America/New_York', '2024-02-29 12:00:00-08'::timestamptz::date;

SELECT TIMESTAMP '2024-02-29 23:59:59'::date, DATE '2024-02-29'::timestamp, DATE '2024-02-29'::timestamptz, TIMESTAMPTZ '2024-02-29 23:30:00+00'::timestamp;

SELECT extract(year from o_orderdate) AS y, count(*) AS n FROM orders GROUP BY extract(year from o_orderdate);

SELECT l_receiptdate - l_shipdate AS days, count(*) AS n FROM lineitem GROUP BY 1;

SELECT date_trunc('month', o_orderdate) AS m, count(*) AS n FROM orders WHERE o_orderdate < '1993-01-01' GROUP BY 1;

SELECT to_char(o_orderdate, 'YYYY-MM') AS ym, sum(o_totalprice) AS total FROM orders WHERE o_orderdate < '1992-07-01' GROUP BY 1;

SELECT min(o_orderdate), max(o_orderdate), max(l_shipdate) - min(l_shipdate) FROM orders, lineitem WHERE o_orderkey = l_orderkey;

SELECT id, hired, hired + INTERVAL '6 months' AS probation, extract(year from age(DATE '2025-01-01', hired)) AS years FROM emp;

-- statement
SET TimeZone = 'America/New_York';

SELECT id, tz FROM types;

SELECT TIMESTAMPTZ '2024-03-10 06:59:59+00', TIMESTAMPTZ '2024-03-10 07:00:00+00', TIMESTAMPTZ '2024-11-03 05:30:00+00';

SELECT id, date_trunc('day', tz) AS day, extract(hour from tz) AS h, tz::date AS d FROM types;

SELECT TIMESTAMP '2024-07-01 12:00:00'::timestamptz, TIMESTAMPTZ '2024-07-01 12:00:00'::timestamp;

-- statement
SET TimeZone = 'Asia/Kolkata';

SELECT id, tz, to_char(tz, 'YYYY-MM-DD HH24:MI TZ') AS fmt FROM types;

-- statement
SET TimeZone = 'UTC';

SELECT id, tz FROM types;

-- Literals read as timestamptz in a session zone other than UTC, in
-- comparisons and in writes.
SET TimeZone = 'America/New_York';

SELECT '2024-07-01 12:00'::timestamptz, TIMESTAMPTZ '2024-01-15 09:30' = '2024-01-15 09:30', '2024-07-01 12:00+00'::timestamptz > '2024-07-01 09:00';

SET TimeZone = 'UTC';
