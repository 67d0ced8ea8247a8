-- Subqueries: IN / NOT IN (with NULLs), EXISTS / NOT EXISTS, correlated
-- scalar and EXISTS subqueries, ANY / ALL, derived tables.

SELECT id FROM t1 WHERE k IN (SELECT k FROM t2);

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM t2);

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM t2 WHERE k IS NOT NULL);

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM t3);

SELECT id FROM t1 WHERE k IN (SELECT k FROM empty);

SELECT id FROM t1 WHERE k NOT IN (SELECT k FROM empty);

SELECT id FROM t1 WHERE v IN (SELECT w FROM t2);

SELECT id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k);

SELECT id FROM t1 WHERE NOT EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k);

SELECT id FROM t1 WHERE EXISTS (SELECT * FROM empty);

SELECT id FROM t1 WHERE NOT EXISTS (SELECT * FROM empty);

SELECT id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k AND t2.w > 'x');

SELECT id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k > t1.k);

SELECT id, (SELECT count(*) FROM t2 WHERE t2.k = t1.k) AS matches FROM t1;

SELECT id, (SELECT max(w) FROM t2 WHERE t2.k = t1.k) AS w FROM t1;

SELECT id, (SELECT w FROM t2 WHERE t2.id = t1.id) AS w FROM t1;

SELECT (SELECT max(k) FROM t2) AS m, (SELECT count(*) FROM empty) AS n, (SELECT k FROM empty) AS nothing;

SELECT id FROM t1 WHERE k = (SELECT min(k) FROM t2);

SELECT id FROM t1 WHERE k > (SELECT avg(k) FROM t2);

SELECT id FROM t1 WHERE k = (SELECT k FROM empty);

SELECT name, salary FROM emp WHERE salary > (SELECT avg(salary) FROM emp);

SELECT name FROM emp e WHERE salary > (SELECT avg(salary) FROM emp x WHERE x.dept_id = e.dept_id);

SELECT name FROM emp e WHERE salary = (SELECT max(salary) FROM emp x WHERE x.dept_id = e.dept_id);

SELECT name, (SELECT name FROM dept d WHERE d.id = e.dept_id) AS dept FROM emp e;

SELECT d.name, (SELECT count(*) FROM emp e WHERE e.dept_id = d.id) AS n, (SELECT sum(salary) FROM emp e WHERE e.dept_id = d.id) AS total FROM dept d;

SELECT d.name FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id);

SELECT d.name FROM dept d WHERE d.id IN (SELECT dept_id FROM emp WHERE active);

SELECT name FROM emp WHERE id IN (SELECT manager_id FROM emp);

SELECT name FROM emp WHERE id NOT IN (SELECT manager_id FROM emp);

SELECT name FROM emp WHERE id NOT IN (SELECT manager_id FROM emp WHERE manager_id IS NOT NULL);

SELECT name FROM emp e WHERE NOT EXISTS (SELECT 1 FROM emp r WHERE r.manager_id = e.id);

SELECT id FROM t1 WHERE k = ANY (SELECT k FROM t2);

SELECT id FROM t1 WHERE k > ALL (SELECT k FROM t2 WHERE k IS NOT NULL);

SELECT id FROM t1 WHERE k > ALL (SELECT k FROM t2);

SELECT id FROM t1 WHERE k < ANY (SELECT k FROM t2);

SELECT id FROM t1 WHERE k <> ALL (SELECT k FROM empty);

SELECT name FROM emp WHERE salary >= ALL (SELECT salary FROM emp WHERE salary IS NOT NULL);

SELECT s.k, s.n FROM (SELECT k, count(*) AS n FROM t1 GROUP BY k) s WHERE s.n > 1;

SELECT avg(n) FROM (SELECT k, count(*) AS n FROM t1 GROUP BY k) s;

SELECT max(total) FROM (SELECT dept_id, sum(salary) AS total FROM emp GROUP BY dept_id) s;

SELECT * FROM (SELECT * FROM (SELECT id, k FROM t1) a WHERE k > 1) b WHERE id < 5;

SELECT id, k IN (SELECT k FROM t2) AS in_t2, EXISTS (SELECT 1 FROM t2 WHERE t2.id = t1.id) AS has_id FROM t1;

SELECT id, CASE WHEN EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k) THEN 'matched' ELSE 'alone' END AS status FROM t1;

SELECT NULL IN (SELECT k FROM t2), 2 IN (SELECT k FROM t2), 9 IN (SELECT k FROM t2), 9 NOT IN (SELECT k FROM t2 WHERE k IS NOT NULL);

SELECT id FROM t1 WHERE (k, v) IN (SELECT k, w FROM t2);

SELECT id FROM t1 WHERE k IN (SELECT k FROM t2 WHERE t2.id > t1.id);

SELECT count(*) FROM customer WHERE NOT EXISTS (SELECT 1 FROM orders WHERE o_custkey = c_custkey);

SELECT count(*) FROM customer WHERE c_custkey IN (SELECT o_custkey FROM orders WHERE o_totalprice > 400000);

SELECT count(*) FROM orders WHERE o_orderkey IN (SELECT l_orderkey FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 250);

SELECT o_orderpriority, count(*) AS n FROM orders WHERE o_orderdate >= DATE '1993-07-01' AND o_orderdate < DATE '1993-10-01' AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate) GROUP BY o_orderpriority;

SELECT s_name FROM supplier WHERE s_suppkey IN (SELECT ps_suppkey FROM partsupp WHERE ps_availqty > 9990);

SELECT p_partkey, p_retailprice FROM part WHERE p_retailprice > (SELECT avg(p_retailprice) * 1.3 FROM part);

SELECT n_name, (SELECT count(*) FROM supplier WHERE s_nationkey = n_nationkey) AS suppliers FROM nation;

SELECT c_custkey, (SELECT max(o_totalprice) FROM orders WHERE o_custkey = c_custkey) AS biggest FROM customer WHERE c_custkey < 20;

SELECT count(*), sum(ps_supplycost) FROM partsupp ps WHERE ps_supplycost < (SELECT avg(ps_supplycost) FROM partsupp x WHERE x.ps_partkey = ps.ps_partkey);

SELECT id FROM t1 WHERE EXISTS (SELECT 1 FROM t2 WHERE t2.k = t1.k) AND NOT EXISTS (SELECT 1 FROM t3 WHERE t3.k = t1.k);

SELECT (SELECT (SELECT max(id) FROM t2) + 1) AS nested;

SELECT id FROM t1 WHERE id = (SELECT max(id) FROM t1);

SELECT id FROM t1 WHERE k IN (SELECT k FROM t2 UNION SELECT k FROM t3);

SELECT id FROM t1 WHERE (k, v) IN (SELECT k, w FROM t2 WHERE t2.id <> t1.id);

SELECT id FROM t1 WHERE (k, id) IN (SELECT k, id FROM t2) AND v IS NOT NULL;

SELECT count(*) FROM lineitem WHERE (l_orderkey, l_linenumber) IN (SELECT o_orderkey, 1 FROM orders WHERE o_orderstatus = 'F');
