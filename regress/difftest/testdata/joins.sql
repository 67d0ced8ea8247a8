-- Joins: INNER, LEFT, RIGHT, FULL, CROSS, comma joins, ON and USING,
-- NATURAL, self joins, NULL keys (which never match), duplicates on both
-- sides, empty inputs and no matches.

SELECT t1.id, t2.id FROM t1 JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t1.v, t2.w FROM t1 INNER JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t2.id FROM t1 LEFT JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t2.id FROM t1 LEFT OUTER JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t2.id FROM t1 RIGHT JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t2.id FROM t1 FULL JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t2.id FROM t1 FULL OUTER JOIN t2 ON t1.k = t2.k;

SELECT t1.id, t2.id FROM t1 CROSS JOIN t2;

SELECT t1.id, t2.id FROM t1, t2;

SELECT t1.id, t2.id FROM t1, t2 WHERE t1.k = t2.k;

SELECT * FROM t1 JOIN t2 USING (k);

SELECT k, t1.v, t2.w FROM t1 LEFT JOIN t2 USING (k);

SELECT k, t1.id AS id1, t2.id AS id2 FROM t1 FULL JOIN t2 USING (k);

SELECT * FROM t1 NATURAL JOIN t2;

SELECT * FROM t1 JOIN t2 USING (id, k);

SELECT t1.id, t2.id FROM t1 JOIN t2 ON t1.k = t2.k AND t2.w <> 'x';

SELECT t1.id, t2.id, t2.w FROM t1 LEFT JOIN t2 ON t1.k = t2.k AND t2.w = 'y';

SELECT t1.id, t2.id, t2.w FROM t1 LEFT JOIN t2 ON t1.k = t2.k WHERE t2.w = 'y';

SELECT t1.id FROM t1 LEFT JOIN t2 ON t1.k = t2.k WHERE t2.id IS NULL;

SELECT t2.id FROM t1 RIGHT JOIN t2 ON t1.k = t2.k WHERE t1.id IS NULL;

SELECT t1.id, t2.id FROM t1 FULL JOIN t2 ON t1.k = t2.k WHERE t1.id IS NULL OR t2.id IS NULL;

SELECT t1.id, t2.id FROM t1 JOIN t2 ON t1.k + 1 = t2.k;

SELECT t1.id, t2.id FROM t1 JOIN t2 ON t1.k < t2.k;

SELECT t1.id, t2.id FROM t1 LEFT JOIN t2 ON t1.k > t2.k AND t2.k IS NOT NULL;

SELECT t1.id, t2.id FROM t1 JOIN t2 ON true;

SELECT t1.id, t2.id FROM t1 LEFT JOIN t2 ON false;

SELECT t1.id, t2.id FROM t1 FULL JOIN t2 ON false;

SELECT t1.id, t2.id FROM t1 JOIN t2 ON t1.id = t2.id AND t1.k IS NOT DISTINCT FROM t2.k;

SELECT t1.id, t3.id FROM t1 JOIN t3 ON t1.k = t3.k;

SELECT t1.id, t3.id FROM t1 LEFT JOIN t3 ON t1.k = t3.k;

SELECT t1.id, t3.id FROM t1 FULL JOIN t3 ON t1.k = t3.k;

SELECT t1.id, empty.id FROM t1 JOIN empty ON t1.k = empty.k;

SELECT t1.id, empty.id FROM t1 LEFT JOIN empty ON t1.k = empty.k;

SELECT t1.id, empty.id FROM empty RIGHT JOIN t1 ON t1.k = empty.k;

SELECT count(*) FROM t1 CROSS JOIN empty;

SELECT t1.id, t2.id, t3.id FROM t1 JOIN t2 ON t1.k = t2.k LEFT JOIN t3 ON t2.id = t3.id;

SELECT a.id, b.id FROM t1 a JOIN t1 b ON a.k = b.k AND a.id < b.id;

SELECT e.name, m.name AS manager FROM emp e LEFT JOIN emp m ON e.manager_id = m.id;

SELECT e.name, m.name AS manager, mm.name AS grand FROM emp e JOIN emp m ON e.manager_id = m.id JOIN emp mm ON m.manager_id = mm.id;

SELECT m.name, count(e.id) AS reports FROM emp m LEFT JOIN emp e ON e.manager_id = m.id GROUP BY m.id, m.name;

SELECT e.name, d.name AS dept FROM emp e JOIN dept d ON e.dept_id = d.id;

SELECT e.name, d.name AS dept FROM emp e LEFT JOIN dept d ON e.dept_id = d.id;

SELECT d.name, e.name FROM emp e RIGHT JOIN dept d ON e.dept_id = d.id;

SELECT d.name, count(e.id) AS n, sum(e.salary) AS total FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.name;

SELECT d.name, e.name FROM dept d FULL JOIN emp e ON e.dept_id = d.id;

SELECT d.city, count(*) AS n FROM emp e JOIN dept d ON e.dept_id = d.id GROUP BY d.city;

SELECT x.a, y.b FROM (VALUES (1), (2)) x(a) CROSS JOIN (VALUES ('p'), ('q')) y(b);

SELECT t1.id, s.total FROM t1 JOIN (SELECT k, sum(id) AS total FROM t2 GROUP BY k) s ON t1.k = s.k;

SELECT n_name, r_name FROM nation JOIN region ON n_regionkey = r_regionkey;

SELECT r_name, count(*) AS n FROM nation JOIN region ON n_regionkey = r_regionkey GROUP BY r_name;

SELECT c_mktsegment, count(*) AS orders FROM customer JOIN orders ON c_custkey = o_custkey GROUP BY c_mktsegment;

SELECT count(*) FROM customer LEFT JOIN orders ON c_custkey = o_custkey WHERE o_orderkey IS NULL;

SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue FROM customer, orders, lineitem, supplier, nation WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey GROUP BY n_name;

SELECT count(*) FROM lineitem JOIN orders ON l_orderkey = o_orderkey WHERE o_orderstatus = 'F';

SELECT count(*), sum(ps_availqty) FROM partsupp JOIN part ON ps_partkey = p_partkey JOIN supplier ON ps_suppkey = s_suppkey WHERE p_size = 15;

SELECT s.s_name, n.n_name FROM supplier s JOIN nation n ON s.s_nationkey = n.n_nationkey WHERE n.n_name = 'GERMANY';

SELECT o.o_orderkey, count(l.l_linenumber) AS lines FROM orders o LEFT JOIN lineitem l ON l.l_orderkey = o.o_orderkey AND l.l_returnflag = 'R' WHERE o.o_orderkey < 200 GROUP BY o.o_orderkey;

SELECT a.id, b.id, c.id FROM t1 a, t2 b, t3 c WHERE a.id = b.id AND b.id = c.id;

SELECT t1.id, t2.id FROM t1 JOIN t2 ON t1.v = t2.w;

SELECT types.id, t1.id FROM types JOIN t1 ON types.i2 = t1.k;

SELECT a.id, b.id FROM types a JOIN types b ON a.n = b.n6 WHERE a.id < b.id;

SELECT a.id, b.id FROM types a JOIN types b ON a.t = b.t AND a.id <> b.id;

SELECT a.id, b.id FROM types a JOIN types b ON a.d = b.d AND a.ts = b.ts AND a.id < b.id;

SELECT t1.id, t2.id FROM t1 JOIN t2 ON (t1.k = t2.k OR t1.v = 'e') AND t2.id < 3;
