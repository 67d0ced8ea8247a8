-- CASE (searched and simple), COALESCE, NULLIF, GREATEST, LEAST in context.

SELECT id, CASE WHEN k > 2 THEN 'big' WHEN k > 1 THEN 'mid' ELSE 'small' END AS size FROM t1;

SELECT id, CASE WHEN k > 2 THEN 'big' END AS size FROM t1;

SELECT id, CASE k WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END AS word FROM t1;

SELECT id, CASE k WHEN 1 THEN 'one' END AS word FROM t1;

SELECT id, CASE WHEN v IS NULL THEN 'no v' WHEN k IS NULL THEN 'no k' ELSE v END AS what FROM t1;

SELECT id, CASE WHEN k > 1 THEN CASE WHEN v < 'c' THEN 'early' ELSE 'late' END ELSE 'low' END AS nested FROM t1;

SELECT id FROM t1 WHERE CASE WHEN k IS NULL THEN true ELSE k > 2 END;

SELECT sum(CASE WHEN k = 2 THEN 1 ELSE 0 END) AS twos, count(CASE WHEN v > 'b' THEN 1 END) AS late FROM t1;

SELECT CASE WHEN k IS NULL THEN 'null' ELSE 'set' END AS grp, count(*) AS n FROM t1 GROUP BY 1;

-- ordered
SELECT id, k FROM t1 ORDER BY CASE WHEN k IS NULL THEN 0 ELSE 1 END, id DESC;

SELECT id, CASE WHEN id < 3 THEN 1 ELSE 2.5 END AS mixed FROM t1;

SELECT id, CASE WHEN id < 3 THEN 1 ELSE NULL END AS maybe FROM t1;

SELECT id, CASE WHEN i4 = 0 THEN NULL ELSE 100 / i4 END AS safe FROM types WHERE i4 IS NOT NULL;

SELECT id, CASE WHEN b THEN 'T' WHEN NOT b THEN 'F' ELSE '?' END AS tri FROM types;

SELECT id, CASE WHEN d < '2000-01-01' THEN d + 1 ELSE d - 1 END AS shifted FROM types WHERE id NOT IN (4, 5);

SELECT name, CASE WHEN salary >= 7000 THEN 'senior' WHEN salary >= 5000 THEN 'mid' WHEN salary IS NULL THEN 'unpaid' ELSE 'junior' END AS band FROM emp;

SELECT name, coalesce(bonus, salary * 0.05, 0) AS b, nullif(dept_id, 10) AS not_eng, greatest(salary, 5000) AS floor_pay, least(bonus, 300) AS capped FROM emp;

SELECT l_returnflag, sum(CASE WHEN l_linestatus = 'O' THEN l_quantity ELSE 0 END) AS open_qty, sum(CASE WHEN l_linestatus = 'F' THEN l_quantity ELSE 0 END) AS done_qty FROM lineitem GROUP BY l_returnflag;

SELECT l_shipmode, sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high, sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low FROM orders, lineitem WHERE o_orderkey = l_orderkey AND l_shipmode IN ('MAIL', 'SHIP') GROUP BY l_shipmode;

SELECT CASE WHEN 1 = 1 THEN 'a' ELSE 'b' END, CASE 5 WHEN 5 THEN true END, CASE WHEN NULL THEN 1 ELSE 2 END, CASE NULL WHEN NULL THEN 1 ELSE 2 END;

SELECT CASE WHEN false THEN 1 / 0 ELSE 7 END;

SELECT id, CASE t WHEN '' THEN 'empty' WHEN 'one' THEN 'uno' ELSE coalesce(t, 'null') END AS x FROM types;

SELECT p_size, CASE WHEN p_size < 10 THEN 'S' WHEN p_size < 30 THEN 'M' ELSE 'L' END AS sz FROM part WHERE p_partkey <= 30;

SELECT CASE WHEN p_size < 10 THEN 'S' WHEN p_size < 30 THEN 'M' ELSE 'L' END AS sz, count(*) AS n, avg(p_retailprice) AS price FROM part GROUP BY 1;

SELECT id, coalesce(nullif(v, 'a'), 'was a or null') AS x FROM t1;

SELECT coalesce(1, 2.5), coalesce(NULL, 2.5, 1), greatest(1, 2.5), least('b', 'a', 'c');
