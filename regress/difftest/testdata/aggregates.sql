-- Aggregate functions without GROUP BY (group_by.sql has the grouped ones).

SELECT count(*) FROM lineitem;

SELECT count(*), count(k), count(DISTINCT k), count(v), count(DISTINCT v) FROM t1;

SELECT sum(i2), sum(i4), sum(i8), sum(n), sum(n6) FROM types WHERE id NOT IN (4, 5);

SELECT sum(i8) FROM types;

SELECT avg(i2), avg(i4), avg(i8), avg(n), avg(n6) FROM types WHERE id NOT IN (4, 5);

SELECT sum(f4), sum(f8), avg(f8), avg(f4) FROM types WHERE id NOT IN (4, 5);

SELECT min(i2), max(i2), min(i4), max(i4), min(i8), max(i8) FROM types;

SELECT min(n), max(n), min(n6), max(n6), min(f4), max(f4), min(f8), max(f8) FROM types;

SELECT min(t), max(t), min(vc), max(vc), min(c), max(c) FROM types;

SELECT min(d), max(d), min(ts), max(ts), min(tz), max(tz) FROM types;

SELECT min(iv), max(iv), sum(iv), avg(iv) FROM types;

SELECT bool_and(b), bool_or(b), every(b), bool_and(i4 > -100), bool_or(i4 > 1000000000) FROM types;

SELECT stddev(i4), stddev_samp(i4), stddev_pop(i4), variance(i4), var_samp(i4), var_pop(i4) FROM types WHERE id NOT IN (4, 5);

SELECT stddev(f8), variance(f8), stddev_pop(f8), var_pop(f8) FROM types WHERE id NOT IN (4, 5);

SELECT stddev(n), variance(n), stddev(salary), variance(salary) FROM types, (SELECT avg(salary) AS salary FROM emp) s WHERE id NOT IN (4, 5);

SELECT stddev(salary), variance(salary), stddev_pop(salary), var_pop(salary) FROM emp;

SELECT stddev(k), variance(k) FROM t1 WHERE k = 1;

SELECT string_agg(v, ',' ORDER BY v) FROM t1;

SELECT string_agg(v, ',' ORDER BY id DESC) FROM t1;

SELECT string_agg(DISTINCT v, '|' ORDER BY v) FROM (SELECT v FROM t1 UNION ALL SELECT v FROM t1) s;

SELECT string_agg(t, '' ORDER BY id) FROM types WHERE id < 3;

SELECT string_agg(name, ', ' ORDER BY salary DESC, name) FROM emp;

SELECT count(*) FILTER (WHERE k > 1), count(k) FILTER (WHERE v IS NOT NULL), sum(k) FILTER (WHERE id < 4) FROM t1;

SELECT sum(salary) FILTER (WHERE active), avg(salary) FILTER (WHERE NOT active), max(hired) FILTER (WHERE dept_id = 20) FROM emp;

SELECT string_agg(name, ',' ORDER BY name) FILTER (WHERE bonus IS NULL) FROM emp;

SELECT sum(k), count(*) FILTER (WHERE false), max(k) FILTER (WHERE k IS NULL) FROM t1;

SELECT count(*), sum(k), avg(k), min(s), max(s), bool_or(k > 0), stddev(k), string_agg(s, ',') FROM empty;

SELECT sum(DISTINCT k), avg(DISTINCT k), count(DISTINCT k) FROM t1;

SELECT avg(DISTINCT salary), sum(DISTINCT salary), count(DISTINCT salary) FROM emp;

SELECT count(*) + 1, max(k) - min(k), sum(k) * 2, avg(k) + 1 FROM t1;

SELECT sum(i4 * 2), sum(i4) * 2, max(i4 + 1) FROM types WHERE id NOT IN (4, 5);

SELECT sum(l_quantity), sum(l_extendedprice), avg(l_quantity), avg(l_extendedprice), avg(l_discount) FROM lineitem;

SELECT sum(l_extendedprice * (1 - l_discount)), sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) FROM lineitem;

SELECT count(DISTINCT l_orderkey), count(DISTINCT l_partkey), count(DISTINCT l_suppkey) FROM lineitem;

SELECT max(o_totalprice), min(o_totalprice), min(o_orderdate), max(o_orderdate), count(DISTINCT o_custkey) FROM orders;

SELECT avg(c_acctbal), sum(c_acctbal), min(c_acctbal), max(c_acctbal) FROM customer;

SELECT avg(ps_supplycost), stddev(ps_supplycost), sum(ps_availqty) FROM partsupp;

SELECT sum(f8), avg(f8), min(f8), max(f8), count(f8) FROM specials;

SELECT min(f8), max(f8) FROM specials WHERE id > 2;

SELECT min(d), max(d), min(ts), max(ts) FROM specials;

SELECT count(*) FROM (SELECT DISTINCT l_orderkey FROM lineitem) s;

SELECT count(1), count(NULL), count('x'), sum(1), sum(NULL::int) FROM t1;

SELECT max(length(l_comment)), min(length(l_comment)), avg(length(l_comment)) FROM lineitem;

SELECT sum(CASE WHEN l_returnflag = 'R' THEN 1 ELSE 0 END) AS returned, count(*) AS total FROM lineitem;

SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END) / sum(l_extendedprice * (1 - l_discount)) AS promo FROM lineitem, part WHERE l_partkey = p_partkey AND l_shipdate >= DATE '1995-09-01' AND l_shipdate < DATE '1995-10-01';

SELECT sum(i2) FROM types;

SELECT sum(i4) FROM types;

SELECT avg(i8) FROM types;

SELECT id % 3 AS g, sum(iv), avg(iv), count(iv) FROM types GROUP BY 1 ORDER BY 1;

SELECT k, string_agg(DISTINCT v, ',' ORDER BY v DESC), count(DISTINCT v) FROM t1 GROUP BY k ORDER BY k;

SELECT k, array_agg(DISTINCT v ORDER BY v NULLS FIRST), sum(DISTINCT id) FROM t1 GROUP BY k ORDER BY k;

SELECT o_orderpriority, array_agg(DISTINCT o_orderstatus ORDER BY o_orderstatus) FROM orders GROUP BY 1 ORDER BY 1;

-- Float sums and averages fail where finite inputs overflow, as
-- PostgreSQL's float8pl and float8_accum do (avg and the variance family
-- also when Sxx does); infinite inputs give infinities without an error.
-- error 22003
SELECT sum(x) FROM (VALUES (1e308::float8), (1e308)) t(x);

-- error 22003
SELECT avg(x) FROM (VALUES (1e308::float8), (1e308)) t(x);

-- error 22003
SELECT avg(x) FROM (VALUES (1e200::float8), (-1e200)) t(x);

-- error 22003
SELECT sum(x) FROM (VALUES (3e38::real), (3e38::real)) t(x);

-- error 22003
SELECT stddev(x) FROM (VALUES (1e155::float8), (-1e155)) t(x);

-- error 22003
SELECT var_pop(f8) FROM types WHERE id IN (4, 5);

-- error 22003
SELECT sum(x) FROM (SELECT f4 FROM types WHERE id = 4 UNION ALL SELECT f4 FROM types WHERE id = 4) s(x);

SELECT sum(x), avg(x), variance(x), var_pop(x) FROM (VALUES ('Infinity'::float8), (1e308), (1e308)) t(x);

SELECT id, sum(f8), sum(f4), avg(f8), avg(f4), variance(f8), var_pop(f4) FROM specials GROUP BY id;

SELECT sum(f4), avg(f4), sum(f8), avg(f8), stddev(f8), var_samp(f4) FROM types WHERE id NOT IN (4, 5);

SELECT sum(x::real / 7), avg(x::real / 7), sum((x % 97)::real * 1.1::real) FROM generate_series(1, 5000) g(x);

-- round and trunc of avg round the exact average once: avg's own six
-- decimals rounded again would give 0.54546 and 3.
SELECT round(avg(x), 5), trunc(avg(x), 5), round(avg(x), 2) FROM (VALUES (1), (1), (1), (1), (1), (1), (0), (0), (0), (0), (0)) t(x);

SELECT round(avg(x)), round(avg(x), 0), trunc(avg(x), 5), trunc(avg(x)), round(avg(x), -1) FROM (VALUES (2.499999), (2.500000)) t(x);

SELECT dept_id, round(avg(salary), 1), round(avg(bonus), -2), trunc(avg(DISTINCT salary), 3), round(avg(id) FILTER (WHERE active), 4) FROM emp GROUP BY dept_id;

SELECT round(avg(i4), 3), round(avg(i2), 1), round(avg(n), 3), round(avg(n6), 5) FROM types WHERE id NOT IN (4, 5);
