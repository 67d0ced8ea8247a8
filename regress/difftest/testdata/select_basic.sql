-- Projections, aliases, FROM forms. The whole-table SELECTs also check that
-- both systems hold the same data and print every type the same way.

SELECT * FROM types;

SELECT * FROM specials;

SELECT * FROM t1;

SELECT * FROM t2;

SELECT * FROM t3;

SELECT * FROM empty;

SELECT * FROM emp;

SELECT * FROM dept;

SELECT * FROM region;

SELECT * FROM nation;

SELECT * FROM supplier;

SELECT * FROM customer;

SELECT * FROM part;

SELECT * FROM partsupp;

SELECT * FROM orders;

SELECT * FROM lineitem;

SELECT id, t AS label, i4 AS "Int Value" FROM types;

SELECT c, vc, t FROM types;

SELECT b, bt, iv FROM types;

SELECT d, ts, tz FROM types;

SELECT f4, f8 FROM types;

SELECT i2, i4, i8, n, n6 FROM types;

SELECT k, k, id FROM t1;

SELECT t1.* FROM t1;

SELECT a.id, a.v FROM t1 AS a;

SELECT x.id, x.v FROM t1 x;

SELECT public.t1.id FROM public.t1;

SELECT id, id * 2 AS twice, id + k AS s FROM t1;

SELECT 1;

SELECT 1 AS one, 'a' AS letter, NULL AS nothing, true AS yes;

SELECT 1 + 1;

SELECT 'it''s' AS quoted, '' AS empty_string, 'héllo' AS unicode;

SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, NULL)) AS v(x, y);

VALUES (1, 'x'), (2, 'y');

SELECT * FROM (SELECT id, k FROM t1 WHERE k IS NOT NULL) AS s;

SELECT s.kk FROM (SELECT k AS kk FROM t1) s;

SELECT r_name FROM region;

SELECT n_name, n_regionkey FROM nation;

SELECT * FROM t1 LIMIT 0;

SELECT 'constant' AS c FROM t1;

SELECT id FROM empty;

TABLE t2;

SELECT "id", "v" FROM t1;

SELECT T1.ID FROM T1;

SELECT o_orderkey, o_custkey, o_totalprice, o_orderdate FROM orders;

SELECT l_orderkey, l_linenumber, l_quantity, l_shipdate, l_comment FROM lineitem;

-- Column names of the SQL-standard special forms, which the parser turns
-- into other calls.
SELECT substring('abc' from 1 for 2), trim(both 'x' from 'xax'), trim(leading 'x' from 'xa'), trim(trailing 'x' from 'ax'), trim('  a '), extract(year from date '2020-01-01'), EXTRACT(MONTH FROM date '2020-01-01');

SELECT CAST(1.5 AS int), 1::text, coalesce(1, 2), nullif(1, 2), greatest(1, 2), least(1, 2), CASE WHEN true THEN 1 END, ARRAY[1, 2], timestamp '2020-01-01' AT TIME ZONE 'UTC', '{1}'::int[]::text[];

SELECT current_date, current_timestamp, localtimestamp, current_user, session_user, user, current_role, current_catalog, current_schema FROM t1 WHERE false;

SELECT 1 user, 2 AS current_role, (SELECT user) IS NOT NULL AS u, coalesce(current_role, 'x') IS NOT NULL AS r, user = current_user AS same;

-- A function that returns one value is a one-row relation in FROM, named
-- after the function (user is one) or the alias.
SELECT "user" = current_user AS same FROM user;

SELECT u = session_user AS same, current_catalog = current_database() AS cat FROM user AS u, current_catalog;

SELECT * FROM lower('A') WITH ORDINALITY, upper('b') AS t(c), abs(-2) a;

SELECT t1.id, x FROM t1, length(t1.v) AS x ORDER BY t1.id;

SELECT count(*) FROM current_date, lower(NULL);

-- error 42803
SELECT * FROM sum(1);

-- error 42883
SELECT * FROM lower(1);
