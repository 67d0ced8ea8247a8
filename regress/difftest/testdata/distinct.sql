-- SELECT DISTINCT and DISTINCT ON.

SELECT DISTINCT k FROM t1;

SELECT DISTINCT v FROM t1;

SELECT DISTINCT k, v FROM t1;

SELECT DISTINCT k % 2 AS parity FROM t1;

SELECT DISTINCT b, i2, i4, i8, f4, f8, n, n6, t, vc, c, d, ts, tz, iv, bt FROM types;

SELECT DISTINCT c FROM types;

SELECT DISTINCT upper(vc) AS u FROM types WHERE id <> 6;

SELECT DISTINCT l_returnflag, l_linestatus FROM lineitem;

SELECT DISTINCT l_shipmode FROM lineitem;

SELECT DISTINCT o_orderpriority FROM orders;

SELECT count(DISTINCT o_custkey) AS n FROM orders;

SELECT DISTINCT dept_id, active FROM emp;

SELECT DISTINCT salary FROM emp;

SELECT DISTINCT x FROM (VALUES (1), (1), (NULL), (NULL), (2)) v(x);

SELECT DISTINCT * FROM (SELECT k FROM t1 UNION ALL SELECT k FROM t2) s;

-- ordered
SELECT DISTINCT ON (dept_id) dept_id, name, salary FROM emp ORDER BY dept_id, salary DESC NULLS LAST, name;

-- ordered
SELECT DISTINCT ON (k) k, id, v FROM t1 ORDER BY k, id DESC;

-- ordered
SELECT DISTINCT k FROM t1 ORDER BY k DESC NULLS LAST;

SELECT DISTINCT p_size FROM part WHERE p_size > 45;

SELECT DISTINCT n_regionkey FROM nation;

SELECT DISTINCT d FROM types WHERE d IS NOT NULL;

SELECT DISTINCT iv FROM types;

SELECT DISTINCT t IS NULL AS missing, t = '' AS blank FROM types;

SELECT DISTINCT ON (l_orderkey) l_orderkey, l_linenumber FROM lineitem WHERE l_orderkey < 100 ORDER BY l_orderkey, l_linenumber DESC;
