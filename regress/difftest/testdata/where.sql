-- WHERE: comparisons, boolean logic with NULLs, BETWEEN, IN, LIKE, IS.

SELECT id FROM t1 WHERE k = 2;

SELECT id FROM t1 WHERE k <> 2;

SELECT id FROM t1 WHERE k != 2;

SELECT id FROM t1 WHERE k > 1 AND k <= 3;

SELECT id FROM t1 WHERE k = 2 OR v = 'e';

SELECT id FROM t1 WHERE NOT (k = 2);

SELECT id FROM t1 WHERE NOT (k = 2 AND v = 'b');

SELECT id FROM t1 WHERE k = 2 OR k IS NULL;

SELECT id FROM t1 WHERE k IS NULL;

SELECT id FROM t1 WHERE v IS NOT NULL;

SELECT id FROM t1 WHERE k BETWEEN 2 AND 3;

SELECT id FROM t1 WHERE k NOT BETWEEN 2 AND 3;

SELECT id FROM t1 WHERE k BETWEEN SYMMETRIC 3 AND 2;

SELECT id FROM t1 WHERE k IN (1, 3, 5);

SELECT id FROM t1 WHERE k NOT IN (1, 3);

SELECT id FROM t1 WHERE k IN (2, NULL);

SELECT id FROM t1 WHERE k NOT IN (1, NULL);

SELECT id FROM t1 WHERE v IN ('a', 'c', 'zz');

SELECT id FROM t1 WHERE false;

SELECT id FROM t1 WHERE true;

SELECT id FROM t1 WHERE NULL;

SELECT id FROM t1 WHERE 1 = 0;

SELECT id FROM types WHERE b;

SELECT id FROM types WHERE NOT b;

SELECT id FROM types WHERE b IS TRUE;

SELECT id FROM types WHERE b IS NOT TRUE;

SELECT id FROM types WHERE b IS FALSE;

SELECT id FROM types WHERE b IS NOT FALSE;

SELECT id FROM types WHERE b IS UNKNOWN;

SELECT id FROM types WHERE b = true AND i4 > 0;

SELECT id FROM t1 WHERE k IS DISTINCT FROM 2;

SELECT id FROM t1 WHERE k IS NOT DISTINCT FROM NULL;

SELECT a.id, b.id FROM t1 a, t2 b WHERE a.k IS NOT DISTINCT FROM b.k;

SELECT id FROM types WHERE c = 'ab';

SELECT id FROM types WHERE c = 'one  ';

SELECT id FROM types WHERE vc = 'one';

SELECT id FROM types WHERE t = '';

SELECT id FROM types WHERE t < 'a';

SELECT id FROM types WHERE t >= 'one';

SELECT id FROM types WHERE d >= '2024-01-01';

SELECT id FROM types WHERE d < DATE '2000-01-01';

SELECT id FROM types WHERE ts > TIMESTAMP '2024-02-29 00:00:00';

SELECT id FROM types WHERE tz <= TIMESTAMPTZ '2000-01-01 00:00:00+00';

SELECT id FROM types WHERE n > 2.25;

SELECT id FROM types WHERE n6 = 1.5;

SELECT id FROM types WHERE f8 > 1;

SELECT id FROM types WHERE f4 < 0;

SELECT id FROM types WHERE i8 > 2147483647;

SELECT id FROM types WHERE i2 = -32768;

SELECT id FROM types WHERE iv > INTERVAL '1 day';

SELECT id FROM types WHERE bt = '\x01';

SELECT id FROM specials WHERE f8 = 'NaN';

SELECT id FROM specials WHERE f8 > 1e308;

SELECT id FROM specials WHERE f8 = 0;

SELECT id FROM specials WHERE d > '2020-06-15';

SELECT count(*) FROM part WHERE p_name LIKE 'forest%';

SELECT count(*) FROM part WHERE p_type LIKE '%BRASS';

SELECT count(*) FROM part WHERE p_type NOT LIKE 'MEDIUM POLISHED%';

SELECT count(*) FROM part WHERE p_container LIKE 'SM_C%';

SELECT count(*) FROM orders WHERE o_comment LIKE '%special%requests%';

SELECT count(*) FROM part WHERE p_name ILIKE '%GREEN%';

SELECT count(*) FROM part WHERE p_name NOT ILIKE '%green%';

SELECT id FROM types WHERE t LIKE '%50\%%';

SELECT id FROM types WHERE t LIKE '%\_x\_%';

SELECT id FROM types WHERE t LIKE 'h_llo%';

SELECT id FROM types WHERE t LIKE '';

SELECT id FROM types WHERE t LIKE '%';

SELECT id FROM types WHERE vc ILIKE 'mixed';

SELECT id FROM types WHERE t LIKE '%!%%' ESCAPE '!';

SELECT count(*) FROM orders WHERE o_orderdate >= DATE '1995-01-01' AND o_orderdate < DATE '1995-02-01';

SELECT count(*) FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL '90' DAY;

SELECT count(*) FROM lineitem WHERE l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24;

SELECT count(*) FROM lineitem WHERE l_quantity * l_extendedprice > 2000000;

SELECT count(*) FROM lineitem WHERE l_shipmode IN ('MAIL', 'SHIP') AND l_commitdate < l_receiptdate;

SELECT count(*) FROM customer WHERE c_mktsegment = 'BUILDING';

SELECT count(*) FROM customer WHERE c_acctbal < 0;

SELECT n_name FROM nation WHERE n_regionkey = 3;

SELECT id, name FROM emp WHERE salary > 5000 AND (dept_id = 10 OR bonus IS NULL);

SELECT id FROM emp WHERE hired BETWEEN '2016-01-01' AND '2019-12-31';

SELECT id FROM emp WHERE active IS NOT TRUE;

SELECT 'a%b' LIKE 'a!%b' ESCAPE '!', 'axb' LIKE 'a!%b' ESCAPE '!', 'a\b' LIKE 'a\b' ESCAPE '!', 'A_c' ILIKE 'a#_C' ESCAPE '#', 'abc' NOT LIKE 'a$%' ESCAPE '$', 'a\b' LIKE 'a\\b' ESCAPE '', 'x' LIKE NULL ESCAPE '!';
