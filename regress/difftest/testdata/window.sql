-- Window functions. Every ORDER BY inside OVER that decides a result is
-- made total with a unique key.

SELECT id, row_number() OVER (ORDER BY id) AS rn FROM t1;

SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) AS rn FROM t1;

SELECT id, k, row_number() OVER (ORDER BY k DESC NULLS LAST, id) AS rn FROM t1;

SELECT name, salary, rank() OVER (ORDER BY salary DESC NULLS LAST) AS r, dense_rank() OVER (ORDER BY salary DESC NULLS LAST) AS dr FROM emp;

SELECT name, dept_id, salary, rank() OVER (PARTITION BY dept_id ORDER BY salary DESC) AS r FROM emp;

SELECT name, dept_id, dense_rank() OVER (PARTITION BY dept_id ORDER BY salary) AS dr FROM emp;

SELECT id, k, lag(k) OVER (ORDER BY id) AS prev, lead(k) OVER (ORDER BY id) AS next FROM t1;

SELECT id, k, lag(k, 2) OVER (ORDER BY id) AS prev2, lead(k, 2, -1) OVER (ORDER BY id) AS next2 FROM t1;

SELECT id, v, lag(v, 1, 'none') OVER (PARTITION BY k ORDER BY id) AS prev FROM t1;

SELECT id, first_value(v) OVER (ORDER BY id) AS fv, last_value(v) OVER (ORDER BY id) AS lv FROM t1;

SELECT id, last_value(id) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS lv FROM t1;

SELECT name, dept_id, first_value(name) OVER (PARTITION BY dept_id ORDER BY hired, id) AS first_hire FROM emp;

SELECT name, salary, last_value(name) OVER (ORDER BY salary) AS lv FROM emp WHERE salary IS NOT NULL AND salary <> 7000 AND salary <> 4500;

SELECT id, k, sum(k) OVER () AS total, count(*) OVER () AS n FROM t1;

SELECT id, k, sum(k) OVER (PARTITION BY k) AS s, count(*) OVER (PARTITION BY k) AS n FROM t1;

SELECT id, k, sum(k) OVER (ORDER BY id) AS running FROM t1;

SELECT id, k, sum(k) OVER (ORDER BY k) AS running_peers FROM t1;

SELECT id, k, sum(k) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS win3 FROM t1;

SELECT id, k, sum(k) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING) AS running, avg(k) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS avg3 FROM t1;

SELECT id, k, count(k) OVER (ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS c FROM t1;

SELECT id, k, min(k) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS mn, max(k) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) AS mx FROM t1;

SELECT name, dept_id, salary, avg(salary) OVER (PARTITION BY dept_id) AS dept_avg, salary - avg(salary) OVER (PARTITION BY dept_id) AS diff FROM emp;

SELECT name, dept_id, salary, sum(salary) OVER (PARTITION BY dept_id ORDER BY id) AS running FROM emp;

SELECT name, salary, min(salary) OVER w AS lo, max(salary) OVER w AS hi FROM emp WINDOW w AS (PARTITION BY dept_id);

SELECT name, salary, count(*) OVER (PARTITION BY active) AS n FROM emp;

SELECT id, ntile(3) OVER (ORDER BY id) AS bucket FROM t1;

SELECT name, percent_rank() OVER (ORDER BY salary NULLS FIRST) AS pr, cume_dist() OVER (ORDER BY salary NULLS FIRST) AS cd FROM emp;

SELECT id, row_number() OVER (ORDER BY id DESC) AS rn, rank() OVER (ORDER BY k) AS rk FROM t1;

SELECT dept_id, name, salary FROM (SELECT dept_id, name, salary, row_number() OVER (PARTITION BY dept_id ORDER BY salary DESC NULLS LAST, id) AS rn FROM emp) s WHERE rn = 1;

SELECT dept_id, sum(salary) AS total, rank() OVER (ORDER BY sum(salary) DESC NULLS LAST) AS r FROM emp GROUP BY dept_id;

SELECT k, count(*) AS n, sum(count(*)) OVER () AS all_rows FROM t1 GROUP BY k;

-- ordered
SELECT id, row_number() OVER (ORDER BY k NULLS FIRST, id) AS rn FROM t1 ORDER BY rn;

-- ordered
SELECT name, rank() OVER (ORDER BY hired) AS r FROM emp ORDER BY r, name;

SELECT o_custkey, o_orderkey, row_number() OVER (PARTITION BY o_custkey ORDER BY o_orderdate, o_orderkey) AS nth FROM orders WHERE o_custkey < 20;

SELECT o_orderkey, o_totalprice, sum(o_totalprice) OVER (ORDER BY o_orderkey) AS running FROM orders WHERE o_orderkey < 100;

SELECT l_orderkey, l_linenumber, l_quantity, lag(l_quantity) OVER (PARTITION BY l_orderkey ORDER BY l_linenumber) AS prev_qty FROM lineitem WHERE l_orderkey < 50;

SELECT n_regionkey, n_name, rank() OVER (PARTITION BY n_regionkey ORDER BY n_name) AS r, count(*) OVER (PARTITION BY n_regionkey) AS n FROM nation;

SELECT c_nationkey, c_custkey, c_acctbal, dense_rank() OVER (PARTITION BY c_nationkey ORDER BY c_acctbal DESC, c_custkey) AS dr FROM customer WHERE c_custkey <= 60;

SELECT id, lead(id) OVER (ORDER BY id) - id AS gap FROM t1;

SELECT id, k, first_value(k) OVER (PARTITION BY k IS NULL ORDER BY id) AS fv FROM t1;

SELECT name, salary, sum(salary) OVER (ORDER BY salary NULLS FIRST, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum FROM emp;

SELECT id, f8, sum(f8) OVER (ORDER BY id) AS running FROM types WHERE id NOT IN (4, 5);

SELECT id, count(*) OVER (ORDER BY id RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS near FROM t1;

SELECT id, string_agg(v, ',') OVER (ORDER BY id) AS so_far FROM t1;

SELECT id, bool_and(k > 1) OVER (ORDER BY id) AS all_big FROM t1;

-- Named windows: WINDOW clauses, references with an added ORDER BY, and
-- windows built on earlier ones.
SELECT name, salary, sum(salary) OVER w AS total, rank() OVER (w ORDER BY salary DESC, id) AS r FROM emp WINDOW w AS (PARTITION BY dept_id) ORDER BY id;

SELECT name, sum(salary) OVER w2 AS running FROM emp WINDOW w1 AS (PARTITION BY dept_id), w2 AS (w1 ORDER BY id) ORDER BY id;

-- error 42P20
SELECT sum(salary) OVER (w PARTITION BY id) FROM emp WINDOW w AS (PARTITION BY dept_id);

-- error 42704
SELECT sum(salary) OVER nope FROM emp;

-- error 42P20
SELECT sum(salary) OVER (w ORDER BY id) FROM emp WINDOW w AS (ORDER BY dept_id);

SELECT name, dept_id, bool_and(active) OVER (PARTITION BY dept_id) AS all_active, bool_or(salary > 6000) OVER (PARTITION BY dept_id ORDER BY id) AS any_rich, every(id > 1) OVER () AS e FROM emp ORDER BY id;

SELECT name, dept_id, string_agg(name, ', ') OVER (PARTITION BY dept_id ORDER BY id) AS running, string_agg(name, '/') OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS pair FROM emp ORDER BY id;
