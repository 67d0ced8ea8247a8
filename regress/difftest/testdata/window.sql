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

-- GROUPS frames count peer groups: NULL keys form a group of their own,
-- and every function that reads its frame sees whole groups.
SELECT id, k, count(*) OVER w AS n, sum(id) OVER w AS s, min(v) OVER w AS lo, max(v) OVER w AS hi FROM t1 WINDOW w AS (ORDER BY k GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING);

SELECT id, k, sum(id) OVER (ORDER BY k DESC NULLS FIRST GROUPS BETWEEN CURRENT ROW AND 2 FOLLOWING) AS s, count(k) OVER (ORDER BY k NULLS FIRST GROUPS 1 PRECEDING) AS c FROM t1;

SELECT name, dept_id, salary, count(*) OVER (PARTITION BY dept_id ORDER BY active, salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS n, sum(salary) OVER (ORDER BY dept_id, active GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM emp;

SELECT id, first_value(v) OVER w AS fv, last_value(v) OVER w AS lv, nth_value(v, 2) OVER w AS second FROM t1 WINDOW w AS (ORDER BY k, id GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING);

SELECT id, sum(id) OVER (ORDER BY k GROUPS BETWEEN 9223372036854775807 PRECEDING AND '1' FOLLOWING) AS s1, sum(id) OVER (ORDER BY k GROUPS (1+1) PRECEDING EXCLUDE GROUP) AS s2, sum(id) OVER (ORDER BY k GROUPS BETWEEN 1 FOLLOWING AND 9223372036854775807 FOLLOWING) AS s3 FROM t1;

SELECT name, dept_id, salary, sum(salary) OVER (w GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING EXCLUDE TIES) AS s FROM emp WINDOW w AS (PARTITION BY dept_id ORDER BY salary);

SELECT o_custkey, o_orderdate, count(*) OVER w AS n, sum(o_totalprice) OVER w AS total FROM orders WHERE o_custkey < 30 WINDOW w AS (PARTITION BY o_custkey ORDER BY o_orderdate GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW);

SELECT l_orderkey, l_linenumber, l_quantity, sum(l_quantity) OVER (PARTITION BY l_orderkey ORDER BY l_quantity GROUPS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS smaller FROM lineitem WHERE l_orderkey < 40;

-- Frame exclusion, over peers (RANGE and GROUPS) and rows.
SELECT name, salary, sum(salary) OVER (ORDER BY salary RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) AS others, count(*) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP) AS near, max(name) OVER (ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) AS top FROM emp;

SELECT id, k, sum(k) OVER w AS s, avg(k) OVER w AS a, string_agg(v, ',') OVER w AS vs, first_value(v) OVER w AS fv, last_value(v) OVER w AS lv, nth_value(v, 2) OVER w AS second FROM t1 WINDOW w AS (ORDER BY id ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING EXCLUDE CURRENT ROW);

SELECT id, k, count(*) OVER w AS n, sum(id) OVER w AS s, min(v) OVER w AS lo, bool_or(id > 5) OVER w AS late FROM t1 WINDOW w AS (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES);

SELECT id, k, count(*) OVER (ORDER BY k RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP) AS g, count(*) OVER (ORDER BY k RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE TIES) AS t, sum(id) OVER (ORDER BY k RANGE BETWEEN CURRENT ROW AND CURRENT ROW EXCLUDE CURRENT ROW) AS peers FROM t1;

-- Without ORDER BY every row of the partition is a peer.
SELECT id, count(*) OVER (PARTITION BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE TIES) AS n, sum(id) OVER (PARTITION BY k RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP) AS none, sum(id) OVER (RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) AS others FROM t1;

SELECT id, f8, sum(f8) OVER w AS s, avg(f8) OVER w AS a, sum(f4) OVER w AS s4 FROM types WHERE id NOT IN (4, 5) WINDOW w AS (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW);

SELECT name, dept_id, salary, avg(salary) OVER (PARTITION BY dept_id ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP) AS avg_near, min(bonus) OVER (PARTITION BY dept_id ORDER BY salary GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) AS min_bonus FROM emp;

SELECT name, hired, count(*) OVER (ORDER BY hired GROUPS BETWEEN 2 PRECEDING AND CURRENT ROW EXCLUDE TIES) AS n, min(hired) OVER (ORDER BY hired GROUPS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) AS next_hire FROM emp;

-- first_value and last_value step over the excluded rows as PostgreSQL
-- does, which answers NULL when the current row lies outside the frame
-- and its peer opens or closes it.
SELECT id, first_value(id) OVER w AS fv, last_value(id) OVER w AS lv, nth_value(id, 2) OVER w AS second, count(*) OVER w AS n FROM (VALUES (1, 1), (2, 1), (3, 2), (4, 2), (5, 3)) v(id, g) WINDOW w AS (ORDER BY g, id ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING EXCLUDE TIES);

SELECT id, first_value(id) OVER w AS fv, last_value(id) OVER w AS lv, count(*) OVER w AS n FROM (VALUES (1, 1), (2, 1), (3, 2), (4, 2), (5, 3)) v(id, g) WINDOW w AS (ORDER BY g GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE GROUP);

-- Ranking and offset functions ignore the frame.
SELECT id, row_number() OVER w AS rn, rank() OVER w AS r, lag(id) OVER w AS prev FROM t1 WINDOW w AS (ORDER BY k, id GROUPS BETWEEN 1 FOLLOWING AND 2 FOLLOWING EXCLUDE GROUP);

-- A negative RANGE offset fails only once a key is compared with it.
SELECT id, sum(id) OVER (ORDER BY k RANGE -1 PRECEDING) AS s FROM t1 WHERE k IS NULL;

-- A numeric RANGE offset with more decimals than the key is not rounded
-- to the key's scale: 130.25 is not within 130.245, 300.00 is not past
-- 250.50 by 49.501.
SELECT name, bonus, count(*) OVER (ORDER BY bonus RANGE BETWEEN 130.245 PRECEDING AND CURRENT ROW) AS below, count(*) OVER (ORDER BY bonus RANGE BETWEEN 49.501 FOLLOWING AND UNBOUNDED FOLLOWING) AS above, sum(bonus) OVER (ORDER BY bonus DESC RANGE BETWEEN 0.005 PRECEDING AND 0.001 FOLLOWING) AS peers FROM emp;

-- error 0A000
SELECT count(*) OVER (ORDER BY k RANGE 1.5 PRECEDING) FROM t1;

-- error 0A000
SELECT count(*) OVER (ORDER BY salary RANGE 1.5::float8 PRECEDING) FROM emp;

-- error 42P20
SELECT count(*) OVER (ORDER BY k, id RANGE 'x' PRECEDING) FROM t1;

-- error 22013
SELECT count(*) OVER (ORDER BY bonus RANGE -0.001 PRECEDING) FROM emp;

-- error 42P20
SELECT sum(id) OVER (GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM t1;

-- error 42P20
SELECT sum(id) OVER (w GROUPS 1 PRECEDING) FROM t1 WINDOW w AS (PARTITION BY k);

-- error 42P10
SELECT sum(id) OVER (ORDER BY k GROUPS id PRECEDING) FROM t1;

-- error 42804
SELECT sum(id) OVER (ORDER BY k ROWS true PRECEDING) FROM t1;

-- error 22013
SELECT sum(id) OVER (ORDER BY k GROUPS -1 PRECEDING) FROM t1;

-- error 22013
SELECT row_number() OVER (ORDER BY k RANGE -1 PRECEDING) FROM t1;

-- error 22004
SELECT sum(id) OVER (ORDER BY k GROUPS BETWEEN 1 PRECEDING AND NULL FOLLOWING) FROM t1;

-- error 22004
SELECT sum(id) OVER (ORDER BY k ROWS NULL PRECEDING) FROM empty;

-- Frames PostgreSQL's grammar rejects.
-- error 42P20
SELECT sum(id) OVER (ORDER BY k ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING) FROM t1;

-- error 42P20
SELECT sum(id) OVER (ORDER BY k ROWS UNBOUNDED FOLLOWING) FROM t1;

-- error 42P20
SELECT sum(id) OVER (ORDER BY k ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM t1;

-- error 42P20
SELECT sum(id) OVER (ORDER BY k RANGE BETWEEN CURRENT ROW AND 1 PRECEDING) FROM t1;

-- error 42P20
SELECT sum(id) OVER (ORDER BY k GROUPS 1 FOLLOWING) FROM t1;

-- error 42P20
SELECT sum(id) OVER w FROM t1 WINDOW w AS (ORDER BY k ROWS BETWEEN UNBOUNDED FOLLOWING AND UNBOUNDED FOLLOWING);

-- An untyped RANGE offset over a numeric key keeps its own decimals
-- ('0.05' is not 0.1 over a numeric(4,1) key), and a key repeated in
-- ORDER BY is one key.
SELECT x, sum(x) OVER (ORDER BY x RANGE BETWEEN '0.05' PRECEDING AND '0.15' FOLLOWING) FROM (VALUES (1.0::numeric(4,1)), (1.1), (1.2), (1.4)) t(x);

SELECT id, n, count(*) OVER (ORDER BY n RANGE BETWEEN '0.005' PRECEDING AND '1.005' FOLLOWING) FROM types;

SELECT id, sum(id) OVER (ORDER BY k, k RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t1;

-- error 42P20
SELECT id, sum(id) OVER (ORDER BY k, id, k DESC RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t1;

SELECT id, sum(id) OVER (ORDER BY k DESC, k RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t1;

-- lag and lead with each mix of constant and per-row offset and default
-- (a per-row default after a constant offset was once read as the
-- offset); the value and the default meet at their common type, the
-- offset is an integer.
SELECT id, k, lag(k, 1, id) OVER (ORDER BY id) AS a, lead(k, 2, id) OVER (ORDER BY id) AS b, lag(k, -1, id * 10) OVER (ORDER BY id) AS c, lead(k, 0, id) OVER (ORDER BY id) AS d FROM t1;

SELECT id, k, lag(id, k) OVER (ORDER BY id) AS a, lead(id, k, -1) OVER (ORDER BY id) AS b, lag(id, k, k * 100) OVER (ORDER BY id) AS c, lag(id, NULL) OVER (ORDER BY id) AS d, lead(id, NULL, k) OVER (ORDER BY id) AS e FROM t1;

SELECT id, v, lag(v, 1, v || '!') OVER (PARTITION BY k ORDER BY id) AS a, lead(v, 1, 'none') OVER (PARTITION BY k ORDER BY id) AS b, lag(v, '2') OVER (PARTITION BY k ORDER BY id) AS c FROM t1;

SELECT name, lag(salary, 1, bonus) OVER (ORDER BY id) AS a, lead(dept_id, 1, id::bigint) OVER (ORDER BY id) AS b, lag(bonus, 2, 0.00) OVER (PARTITION BY dept_id ORDER BY id) AS c, lead(hired, 1, '2000-01-01') OVER (ORDER BY id) AS d, lag(dept_id, 1::smallint, manager_id::smallint) OVER (ORDER BY id) AS e FROM emp ORDER BY id;

-- error 42883
SELECT lag(id, 1::bigint) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT lag(id, k::numeric) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT lead(v, 1, id) OVER (ORDER BY id) FROM t1;

-- error 42804
SELECT lag('x') OVER (ORDER BY id) FROM t1;

-- ntile, nth_value and first_value take PostgreSQL's argument types: a
-- NULL count or position answers NULLs, a per-row one is read per row (by
-- ntile at a partition's first row, and again while it is NULL).
SELECT id, ntile(NULL) OVER (ORDER BY id) AS a, nth_value(v, NULL) OVER (ORDER BY id) AS b, ntile(2::smallint) OVER (ORDER BY id) AS c, nth_value(v, '2') OVER (ORDER BY id) AS d FROM t1;

SELECT id, k, ntile(k) OVER (ORDER BY id) AS a, nth_value(id, k) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS b FROM t1;

SELECT name, ntile(dept_id / 10) OVER (PARTITION BY active ORDER BY id) AS a FROM emp;

-- error 42883
SELECT ntile(2::bigint) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT ntile(1.5) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT ntile(k, 2) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT nth_value(id, 1::bigint) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT nth_value(id) OVER (ORDER BY id) FROM t1;

-- error 42804
SELECT nth_value('x', 1) OVER (ORDER BY id) FROM t1;

-- error 42804
SELECT first_value('x') OVER (ORDER BY id) FROM t1;

-- error 42804
SELECT last_value(NULL) OVER (ORDER BY id) FROM t1;

-- error 42883
SELECT row_number(1) OVER (ORDER BY id) FROM t1;

-- error 42809
SELECT rank(id) OVER (ORDER BY id) FROM t1;

-- error 22P02
SELECT ntile('x') OVER (ORDER BY id) FROM t1;

-- avg(float) fails where PostgreSQL's sum of squared deviations overflows.
-- error 22003
SELECT id, avg(x) OVER (ORDER BY id) FROM (VALUES (1, 1e200::float8), (2, -1e200), (3, 1)) s(id, x);

-- error 22003
SELECT id, avg(x) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM (VALUES (1, 1e200::float8), (2, -1e200), (3, 1)) s(id, x);

SELECT id, avg(x) OVER (ORDER BY id ROWS CURRENT ROW) AS a, avg(f8) OVER (ORDER BY id) AS b FROM (VALUES (1, 1e200::float8), (2, -1e200), (3, 1)) s(id, x) JOIN types USING (id);

-- round(avg(x) OVER w, d) rounds the average once.
SELECT id, round(avg(k) OVER (ORDER BY id), 5) AS a, trunc(avg(k) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW), 3) AS b, round(avg(id) OVER (PARTITION BY k), 1) AS c FROM t1;

SELECT name, round(avg(salary) OVER (PARTITION BY dept_id ORDER BY id), 3) AS a, round(avg(bonus) OVER (), 1) AS b, round(avg(salary) OVER (ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW)) AS c FROM emp;

SELECT x, round(avg(x) OVER (), 5) AS r FROM (VALUES (1), (1), (1), (1), (1), (1), (0), (0), (0), (0), (0)) s(x);

-- Aggregates over windows take PostgreSQL's argument counts.
-- error 42883
SELECT sum(1, 2) OVER ();

-- error 42809
SELECT count() OVER ();

-- error 42883
SELECT string_agg('a') OVER ();

-- error 42883
SELECT bool_and(true, false) OVER ();

-- error 42883
SELECT max() OVER ();
