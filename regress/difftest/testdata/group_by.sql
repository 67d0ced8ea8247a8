-- GROUP BY on columns, expressions, ordinals and output aliases.

SELECT k, count(*) AS n FROM t1 GROUP BY k;

SELECT k, v, count(*) AS n FROM t1 GROUP BY k, v;

SELECT k % 2 AS parity, count(*) AS n, sum(id) AS ids FROM t1 GROUP BY k % 2;

SELECT k % 2 AS parity, count(*) AS n FROM t1 GROUP BY parity;

SELECT k % 2, count(*) FROM t1 GROUP BY 1;

SELECT count(*) AS n FROM t1 GROUP BY k;

SELECT v IS NULL, count(*) FROM t1 GROUP BY 1;

SELECT l_returnflag, l_linestatus, count(*) AS n FROM lineitem GROUP BY l_returnflag, l_linestatus;

SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base, avg(l_quantity) AS avg_qty, avg(l_discount) AS avg_disc, count(*) AS n FROM lineitem GROUP BY 1, 2;

SELECT l_shipmode, count(*) AS n, min(l_shipdate) AS first, max(l_shipdate) AS last FROM lineitem GROUP BY l_shipmode;

SELECT c_mktsegment, count(*) AS n, avg(c_acctbal) AS bal FROM customer GROUP BY c_mktsegment;

SELECT n_regionkey, count(*) AS nations, string_agg(n_name, ',' ORDER BY n_name) AS names FROM nation GROUP BY n_regionkey;

SELECT o_orderpriority, o_orderstatus, count(*) AS n, sum(o_totalprice) AS total FROM orders GROUP BY o_orderpriority, o_orderstatus;

SELECT extract(year from o_orderdate) AS y, extract(month from o_orderdate) AS m, count(*) AS n FROM orders GROUP BY 1, 2;

SELECT date_trunc('year', o_orderdate) AS y, sum(o_totalprice) AS total FROM orders GROUP BY date_trunc('year', o_orderdate);

SELECT l_orderkey, count(*) AS lines, sum(l_quantity) AS qty FROM lineitem WHERE l_orderkey < 1000 GROUP BY l_orderkey;

SELECT l_suppkey, count(DISTINCT l_partkey) AS parts FROM lineitem GROUP BY l_suppkey;

SELECT ps_suppkey, count(*) AS n, sum(ps_availqty) AS avail, min(ps_supplycost) AS cheapest FROM partsupp GROUP BY ps_suppkey;

SELECT p_brand, p_size, count(*) AS n FROM part WHERE p_size < 5 GROUP BY p_brand, p_size;

SELECT s_nationkey, count(*) AS n, max(s_acctbal) AS richest FROM supplier GROUP BY s_nationkey;

SELECT dept_id, count(*) AS n, sum(salary) AS total, avg(salary) AS mean, min(hired) AS first, max(bonus) AS top FROM emp GROUP BY dept_id;

SELECT dept_id, active, count(*) AS n FROM emp GROUP BY dept_id, active;

SELECT active, count(*) AS n, bool_and(salary > 4000) AS all_paid FROM emp GROUP BY active;

SELECT b, count(*) AS n, sum(i4) AS s FROM types GROUP BY b;

SELECT t, count(*) AS n FROM types GROUP BY t;

SELECT c, count(*) AS n FROM types GROUP BY c;

SELECT d, count(*) AS n FROM types GROUP BY d;

SELECT iv, count(*) AS n FROM types GROUP BY iv;

SELECT bt, count(*) AS n FROM types GROUP BY bt;

SELECT n, count(*) AS n_count FROM types GROUP BY n;

SELECT upper(t) AS u, count(*) AS n FROM types WHERE id IN (1, 2, 7, 11, 12) GROUP BY upper(t);

SELECT length(v) AS len, count(*) AS n FROM t1 GROUP BY length(v);

SELECT k, count(*) AS n FROM empty GROUP BY k;

SELECT count(*) AS n FROM empty;

SELECT 1 AS one, count(*) AS n FROM t1 GROUP BY 1;

SELECT k, max(v) AS mv, min(id) AS first FROM t1 GROUP BY k;

SELECT k + 1 AS k1, count(*) AS n FROM t1 GROUP BY k + 1;

SELECT k, k * 10 AS k10, count(*) AS n FROM t1 GROUP BY k;

SELECT t1.k, count(t2.id) AS matches FROM t1 LEFT JOIN t2 ON t1.k = t2.k GROUP BY t1.k;

SELECT s.g, count(*) AS n FROM (SELECT id % 3 AS g FROM t1) s GROUP BY s.g;

SELECT l_linenumber, count(*) AS n FROM lineitem GROUP BY l_linenumber HAVING count(*) > 0;

SELECT o_custkey, count(*) AS orders, sum(o_totalprice) AS spent FROM orders WHERE o_custkey < 30 GROUP BY o_custkey;

SELECT dept_id, manager_id, count(*) AS n FROM emp GROUP BY dept_id, manager_id;

SELECT x, count(*) AS n FROM (VALUES (1), (1), (2), (NULL), (NULL)) v(x) GROUP BY x;

SELECT k FROM t1 GROUP BY k;

-- Intervals group and compare by their exact length; this one is 2^64 microseconds.
SELECT i, count(*) AS n FROM (VALUES (interval '0'), (interval '213503982 days 28909.551616 seconds'), (interval '1 mon'), (interval '30 days')) v(i) GROUP BY i ORDER BY i;

SELECT interval '213503982 days 28909.551616 seconds' > interval '0', interval '213503982 days 28909.551616 seconds' = interval '213503982 days 28909.551617 seconds';

-- GROUP BY (): one group, even over no rows.
SELECT count(*), 1 FROM t1 GROUP BY ();

SELECT count(*), max(v), sum(k), 1 FROM t1 WHERE false GROUP BY ();

SELECT k, count(*) FROM t1 GROUP BY k, ();
