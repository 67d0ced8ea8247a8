-- WITH (non-recursive).

WITH s AS (SELECT k, count(*) AS n FROM t1 GROUP BY k) SELECT * FROM s WHERE n > 1;

WITH a AS (SELECT id, k FROM t1), b AS (SELECT id, k FROM t2) SELECT a.id, b.id FROM a JOIN b ON a.k = b.k;

WITH a AS (SELECT id, k FROM t1 WHERE k IS NOT NULL), b AS (SELECT k, count(*) AS n FROM a GROUP BY k) SELECT * FROM b;

WITH s AS (SELECT k FROM t1) SELECT x.k, y.k FROM s x JOIN s y ON x.k = y.k;

WITH s (kk, nn) AS (SELECT k, count(*) FROM t1 GROUP BY k) SELECT kk, nn FROM s;

WITH t1 AS (SELECT 100 AS z) SELECT * FROM t1;

WITH s AS (SELECT 1 AS one) SELECT one, (SELECT count(*) FROM t1) AS n FROM s;

WITH e AS (SELECT * FROM emp WHERE active) SELECT dept_id, count(*) AS n FROM e GROUP BY dept_id;

WITH d AS (SELECT dept_id, avg(salary) AS mean FROM emp GROUP BY dept_id) SELECT e.name FROM emp e JOIN d ON e.dept_id = d.dept_id WHERE e.salary > d.mean;

WITH revenue0 (supplier_no, total_revenue) AS (SELECT l_suppkey, sum(l_extendedprice * (1 - l_discount)) FROM lineitem WHERE l_shipdate >= DATE '1996-01-01' AND l_shipdate < DATE '1996-04-01' GROUP BY l_suppkey) SELECT s_suppkey, s_name, total_revenue FROM supplier, revenue0 WHERE s_suppkey = supplier_no AND total_revenue = (SELECT max(total_revenue) FROM revenue0);

WITH s AS (SELECT id FROM t1) SELECT id FROM s WHERE id IN (SELECT id FROM s WHERE id > 3);

WITH s AS (SELECT k FROM t1) SELECT k FROM s UNION SELECT k FROM t2;

WITH big AS (SELECT o_custkey, sum(o_totalprice) AS total FROM orders GROUP BY o_custkey) SELECT count(*) AS n, max(total) AS top FROM big WHERE total > 1000000;

WITH s AS (SELECT * FROM empty) SELECT count(*) FROM s;

WITH a AS (SELECT 1 AS x), b AS (SELECT x + 1 AS y FROM a), c AS (SELECT y * 10 AS z FROM b) SELECT * FROM a, b, c;

SELECT * FROM (WITH s AS (SELECT id FROM t2) SELECT count(*) AS n FROM s) sub;
