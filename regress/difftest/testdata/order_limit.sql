-- ORDER BY (expressions, ordinals, aliases, directions, NULLS FIRST/LAST),
-- LIMIT and OFFSET. Every ordered query's keys determine the order fully.

-- ordered
SELECT id, v FROM t1 ORDER BY id;

-- ordered
SELECT id, v FROM t1 ORDER BY id DESC;

-- ordered
SELECT id, k FROM t1 ORDER BY k, id;

-- ordered
SELECT id, k FROM t1 ORDER BY k ASC NULLS FIRST, id DESC;

-- ordered
SELECT id, k FROM t1 ORDER BY k DESC NULLS LAST, id;

-- ordered
SELECT id, v FROM t1 ORDER BY v NULLS FIRST, id;

-- ordered
SELECT id, k FROM t1 ORDER BY 2, 1;

-- ordered
SELECT id AS ident, k AS key FROM t1 ORDER BY key DESC, ident;

-- ordered
SELECT id, k FROM t1 ORDER BY coalesce(k, 0) * -1, id;

-- ordered
SELECT id FROM t1 ORDER BY v DESC, id;

-- ordered
SELECT id, v FROM t1 ORDER BY k IS NULL, k DESC, id;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT 3;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT 3 OFFSET 2;

-- ordered
SELECT id FROM t1 ORDER BY id OFFSET 5;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT 0;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT 100 OFFSET 100;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT ALL;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT 2 + 1;

-- ordered
SELECT id FROM t1 ORDER BY id DESC FETCH FIRST 2 ROWS ONLY;

-- ordered
SELECT id FROM t1 ORDER BY id OFFSET 1 ROWS FETCH NEXT 2 ROWS ONLY;

-- ordered
SELECT id, t FROM types ORDER BY t, id;

-- ordered
SELECT id, t FROM types ORDER BY t DESC NULLS LAST, id;

-- ordered
SELECT id, c FROM types ORDER BY c, id;

-- ordered
SELECT id, vc FROM types ORDER BY vc DESC, id;

-- ordered
SELECT id, i2 FROM types ORDER BY i2, id;

-- ordered
SELECT id, i8 FROM types ORDER BY i8 DESC, id;

-- ordered
SELECT id, n FROM types ORDER BY n NULLS FIRST, id;

-- ordered
SELECT id, f4 FROM types ORDER BY f4, id;

-- ordered
SELECT id, f8 FROM types ORDER BY f8 DESC, id;

-- ordered
SELECT id, d FROM types ORDER BY d, id;

-- ordered
SELECT id, ts FROM types ORDER BY ts DESC, id;

-- ordered
SELECT id, tz FROM types ORDER BY tz, id;

-- ordered
SELECT id, iv FROM types ORDER BY iv, id;

-- ordered
SELECT id, bt FROM types ORDER BY bt, id;

-- ordered
SELECT id, b FROM types ORDER BY b, id;

-- ordered
SELECT id, f8 FROM specials ORDER BY f8, id;

-- ordered
SELECT id, f4 FROM specials ORDER BY f4 DESC, id;

-- ordered
SELECT id, d, ts FROM specials ORDER BY d NULLS FIRST, ts, id;

-- ordered
SELECT id, name, salary FROM emp ORDER BY salary DESC NULLS LAST, name;

-- ordered
SELECT name, dept_id FROM emp ORDER BY dept_id NULLS FIRST, name DESC;

-- ordered
SELECT name FROM emp ORDER BY hired, id;

-- ordered
SELECT name FROM emp ORDER BY length(name), name;

-- ordered
SELECT name, salary + coalesce(bonus, 0) AS total FROM emp ORDER BY total DESC NULLS LAST, name;

-- ordered
SELECT o_orderkey, o_totalprice FROM orders ORDER BY o_totalprice DESC, o_orderkey LIMIT 10;

-- ordered
SELECT o_orderkey, o_orderdate FROM orders ORDER BY o_orderdate, o_orderkey LIMIT 10 OFFSET 20;

-- ordered
SELECT l_orderkey, l_linenumber, l_extendedprice FROM lineitem ORDER BY l_extendedprice DESC, l_orderkey, l_linenumber LIMIT 15;

-- ordered
SELECT c_custkey, c_name, c_acctbal FROM customer ORDER BY c_acctbal, c_custkey LIMIT 5;

-- ordered
SELECT n_name FROM nation ORDER BY n_name;

-- ordered
SELECT n_name, r_name FROM nation, region WHERE n_regionkey = r_regionkey ORDER BY r_name, n_name;

-- ordered
SELECT p_partkey, p_name FROM part ORDER BY p_name, p_partkey LIMIT 12;

-- ordered
SELECT s_name, s_acctbal FROM supplier ORDER BY s_acctbal DESC, s_name LIMIT 5;

-- ordered
SELECT l_shipmode, count(*) AS n FROM lineitem GROUP BY l_shipmode ORDER BY n DESC, l_shipmode;

-- ordered
SELECT l_returnflag, l_linestatus, count(*) FROM lineitem GROUP BY 1, 2 ORDER BY 1, 2;

-- ordered
SELECT x FROM (VALUES ('b'), ('B'), ('a'), ('A'), ('_'), ('1'), (''), ('é'), ('z')) v(x) ORDER BY x;

-- ordered
SELECT id, v FROM t1 ORDER BY id LIMIT 1;

-- ordered
SELECT o_orderkey FROM orders WHERE o_custkey = 1 ORDER BY o_orderkey;

-- ordered
SELECT DISTINCT k FROM t1 ORDER BY k;

-- ordered
SELECT id FROM t1 ORDER BY id LIMIT NULL;
