-- HAVING.

SELECT k, count(*) AS n FROM t1 GROUP BY k HAVING count(*) > 1;

SELECT k, sum(id) AS s FROM t1 GROUP BY k HAVING sum(id) >= 5;

SELECT k FROM t1 GROUP BY k HAVING max(id) < 5;

SELECT k, count(*) AS n FROM t1 GROUP BY k HAVING k IS NOT NULL AND count(*) = 1;

SELECT k, count(*) AS n FROM t1 GROUP BY k HAVING k > 1 OR count(*) > 1;

SELECT count(*) AS n FROM t1 HAVING count(*) > 100;

SELECT count(*) AS n FROM t1 HAVING count(*) > 1;

SELECT dept_id, avg(salary) AS mean FROM emp GROUP BY dept_id HAVING avg(salary) > 5000;

SELECT dept_id FROM emp GROUP BY dept_id HAVING bool_or(bonus IS NULL);

SELECT dept_id, count(*) AS n FROM emp GROUP BY dept_id HAVING count(DISTINCT salary) < count(*);

SELECT l_orderkey, sum(l_quantity) AS qty FROM lineitem GROUP BY l_orderkey HAVING sum(l_quantity) > 300;

SELECT o_custkey, count(*) AS n FROM orders GROUP BY o_custkey HAVING count(*) >= 25;

SELECT ps_partkey, sum(ps_supplycost * ps_availqty) AS value FROM partsupp GROUP BY ps_partkey HAVING sum(ps_supplycost * ps_availqty) > (SELECT sum(ps_supplycost * ps_availqty) * 0.0009 FROM partsupp);

SELECT n_regionkey, count(*) AS n FROM nation GROUP BY n_regionkey HAVING min(n_name) < 'C';

SELECT k, count(*) AS n FROM t1 GROUP BY k HAVING count(*) > 1 ORDER BY k;

SELECT p_size, count(*) AS n FROM part GROUP BY p_size HAVING count(*) > 45 AND p_size % 2 = 0;

SELECT c_nationkey, avg(c_acctbal) AS bal FROM customer GROUP BY c_nationkey HAVING avg(c_acctbal) > 4700;

SELECT b FROM types GROUP BY b HAVING count(*) > 3;

SELECT dept_id, sum(salary) FILTER (WHERE active) AS active_pay FROM emp GROUP BY dept_id HAVING sum(salary) FILTER (WHERE active) > 10000;
