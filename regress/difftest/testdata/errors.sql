-- Both systems must fail with the given SQLSTATE (the messages may differ).

-- error 42P01
SELECT * FROM no_such_table;

-- error 42P01
SELECT t1.id FROM t1 JOIN missing ON true;

-- error 42703
SELECT no_such_column FROM t1;

-- error 42703
SELECT t1.w FROM t1;

-- error 42703
SELECT id FROM t1 WHERE nope > 1;

-- error 42703
SELECT id FROM t1 ORDER BY nope;

-- error 42P01
SELECT t9.id FROM t1;

-- error 42702
SELECT id FROM t1, t2;

-- error 42702
SELECT k FROM t1 JOIN t2 ON t1.id = t2.id;

-- error 42803
SELECT k, count(*) FROM t1;

-- error 42803
SELECT v, count(*) FROM t1 GROUP BY k;

-- error 42803
SELECT id FROM t1 HAVING count(*) > 1;

-- error 42803
SELECT count(*) FROM t1 WHERE count(*) > 1;

-- error 42803
SELECT sum(count(*)) FROM t1;

-- error 42804
SELECT id FROM t1 WHERE 1;

-- error 42804
SELECT id FROM t1 WHERE v;

-- error 42804
SELECT CASE WHEN true THEN 1 ELSE 'a'::text END;

-- error 42804
SELECT 1 UNION SELECT 'a'::text;

-- error 42883
SELECT 'a'::text + 1;

-- error 42883
SELECT no_such_function(1);

-- error 42883
SELECT length(1);

-- error 42883
SELECT DATE '2024-01-01' * 2;

-- error 22012
SELECT 1 / 0;

-- error 22012
SELECT k / 0 FROM t1;

-- error 22012
SELECT 1.0 / 0;

-- error 22012
SELECT 5 % 0;

-- error 22012
SELECT 1.5::float8 / 0;

-- error 22012
SELECT id FROM t1 WHERE k / (k - k) > 0;

-- error 22003
SELECT 2147483647 + 1;

-- error 22003
SELECT -2147483647 - 2;

-- error 22003
SELECT 65536 * 65536;

-- error 22003
SELECT 9223372036854775807::int8 + 1;

-- error 22003
SELECT i4 + 1 FROM types WHERE id = 4;

-- error 22003
SELECT i4 - 1 FROM types WHERE id = 5;

-- error 22003
SELECT i8 * 2 FROM types WHERE id = 4;

-- error 22003
SELECT i2 + 1::smallint FROM types WHERE id = 4;

-- error 22003
SELECT sum(i4 * 1000) FROM types;

-- error 22003
SELECT abs(i4) FROM types WHERE id = 5;

-- error 22003
SELECT -i8 FROM types WHERE id = 5;

-- error 22003
SELECT 32768::smallint;

-- error 22003
SELECT '2147483648'::int;

-- error 22003
SELECT 1e10::int;

-- error 22003
SELECT 12345.678::numeric(5,2);

-- error 22003
SELECT 1e308::float8 * 10;

-- error 22P02
SELECT 'abc'::int;

-- error 22P02
SELECT ''::int;

-- error 22P02
SELECT 'x'::numeric;

-- error 22P02
SELECT '1.5'::int;

-- error 22P02
SELECT 'maybe'::boolean;

-- error 22P02
SELECT id FROM t1 WHERE k = 'two';

-- error 22007
SELECT 'not a date'::date;

-- error 22008
SELECT '2024-02-30'::date;

-- error 22008
SELECT '2024-01-01 25:00:00'::timestamp;

-- error 42601
SELEC 1;

-- error 42601
SELECT FROM WHERE;

-- error 42601
SELECT 1 +;

-- error 42601
SELECT * FROM t1 WHERE;

-- error 42601
SELECT (1;

-- error 21000
SELECT (SELECT k FROM t2);

-- error 21000
SELECT id FROM t1 WHERE k = (SELECT k FROM t2 WHERE k IS NOT NULL);

-- error 42P10
SELECT id, k FROM t1 ORDER BY 3;

-- error 42P10
SELECT id FROM t1 GROUP BY 2;

-- error 2201E
SELECT ln(0);

-- error 2201F
SELECT power(0, -1.5);

-- error 2201F
SELECT sqrt(-1);

-- error 22023
SELECT repeat('x', 2) || split_part('a,b', ',', 0);

-- error 2201W
SELECT id FROM t1 LIMIT -1;

-- error 2201X
SELECT id FROM t1 OFFSET -1;

-- error 42P01
SELECT x.id FROM (SELECT id FROM t1) s;

-- error 42703
SELECT s.nope FROM (SELECT id FROM t1) s;

-- error 42803
SELECT name FROM emp GROUP BY dept_id;

-- error 42883
SELECT bool_and(id) FROM t1;

-- error 42P10
SELECT string_agg(DISTINCT v, ',' ORDER BY id) FROM t1;

-- Operators PostgreSQL has for none of these types.
-- error 42883
SELECT 1 @ 5;

-- error 42883
SELECT id @ k FROM t1;

-- error 42883
SELECT id -> 1 FROM t1;

-- error 42883
SELECT v ? 'a' FROM t1;

-- error 42883
SELECT id <-> k FROM t1;

-- error 42883
SELECT id @> k FROM t1;

-- error 42883
SELECT id <<= 2 FROM t1;

-- error 42883
SELECT v #>> '{a}' FROM t1;

-- error 42883
SELECT n & 1 FROM types;

SELECT id, @ (k - 3) AS a, 2 * @ -id AS b FROM t1;

-- current_timestamp(p) and localtimestamp(p) round to p decimals.
SELECT length(current_timestamp(0)::text) AS a, length(localtimestamp(0)::text) AS b, pg_typeof(current_timestamp(2)) AS c, pg_typeof(localtimestamp(3)) AS d;

-- Calls with the wrong number of arguments name their argument types.
-- error 42883
SELECT pg_typeof(1, 2);

-- error 42883
SELECT array_agg(1, 2);

-- error 42883
SELECT array_agg();
