-- NULL semantics: three-valued logic, NULL versus the empty string,
-- COALESCE/NULLIF, NULLs in aggregates, grouping and ordering.

SELECT NULL + 1, NULL * 0, NULL || 'a', NULL = NULL, NULL <> NULL, NULL IS NULL, NULL IS NOT NULL;

SELECT a, b, a AND b AS "and", a OR b AS "or", NOT a AS "not" FROM (VALUES (true), (false), (NULL::boolean)) x(a) CROSS JOIN (VALUES (true), (false), (NULL::boolean)) y(b);

SELECT a, b, a = b AS eq, a IS DISTINCT FROM b AS dist, a IS NOT DISTINCT FROM b AS ndist FROM (VALUES (1), (NULL::int)) x(a) CROSS JOIN (VALUES (1), (2), (NULL::int)) y(b);

SELECT id, t IS NULL AS isnull, t = '' AS isempty, coalesce(t, '<null>') AS shown, length(t) AS len FROM types;

SELECT id, coalesce(k, -1) AS k, coalesce(v, 'none') AS v FROM t1;

SELECT coalesce(NULL, NULL, 3), coalesce(NULL::text, 'x'), coalesce(1, NULL), coalesce(NULL::int, NULL);

SELECT id, nullif(k, 2) AS nk, nullif(v, 'a') AS nv FROM t1;

SELECT nullif(1, 1), nullif(1, 2), nullif('', ''), nullif(NULL::int, 1), nullif('a', NULL);

SELECT id, nullif(t, '') IS NULL AS blank FROM types;

SELECT count(*), count(k), count(v), count(DISTINCT k), sum(k), avg(k), min(k), max(k) FROM t1;

SELECT count(*), count(k), sum(k), avg(k), min(k), max(k), bool_and(k > 0), string_agg(s, ',') FROM empty;

SELECT sum(k), max(v), min(k) FROM t1 WHERE k IS NULL;

SELECT k, count(*) FROM t1 GROUP BY k;

SELECT v IS NULL AS missing, count(*) FROM t1 GROUP BY v IS NULL;

SELECT DISTINCT k FROM t1;

SELECT DISTINCT k, v IS NULL FROM t1;

-- ordered
SELECT id, k FROM t1 ORDER BY k, id;

-- ordered
SELECT id, k FROM t1 ORDER BY k DESC, id;

-- ordered
SELECT id, k FROM t1 ORDER BY k NULLS FIRST, id;

-- ordered
SELECT id, k FROM t1 ORDER BY k DESC NULLS LAST, id;

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM t2);

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM t2 WHERE k IS NOT NULL);

SELECT id FROM t1 WHERE k IN (SELECT k FROM t2);

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM empty);

SELECT NULL IN (1, 2), NULL NOT IN (1, 2), 1 IN (1, NULL), 3 IN (1, NULL), 3 NOT IN (1, NULL);

SELECT NULL::int IN (SELECT k FROM empty), 1 IN (SELECT k FROM t2), 1 NOT IN (SELECT k FROM t2);

SELECT id, CASE WHEN k THEN 'yes' END AS c FROM (SELECT id, k > 2 AS k FROM t1) s;

SELECT id, CASE k WHEN NULL THEN 'null' WHEN 2 THEN 'two' ELSE 'other' END AS c FROM t1;

SELECT greatest(NULL, 1), least(NULL, 2, 1), greatest(NULL::int, NULL);

SELECT concat(NULL, 'a'), NULL::text || 'a', concat_ws(',', NULL, NULL);

SELECT NULL UNION SELECT NULL;

SELECT k FROM t1 UNION SELECT k FROM t2;

SELECT k FROM t1 INTERSECT SELECT k FROM t2;

SELECT k FROM t1 EXCEPT SELECT k FROM t2;

SELECT id, bonus, salary + bonus AS total, coalesce(bonus, 0) + salary AS total0 FROM emp;

SELECT sum(bonus), avg(bonus), count(bonus), count(*) FROM emp;

SELECT dept_id, count(*), count(dept_id), sum(salary) FROM emp GROUP BY dept_id;

SELECT id, b AND i4 > 0 AS x, b OR i4 > 0 AS y FROM types;

SELECT NOT NULL::boolean, NULL::boolean AND false, NULL::boolean OR true, NULL::boolean AND true, NULL::boolean OR false;
