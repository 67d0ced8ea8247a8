-- CAST and :: between the supported types, with rounding and truncation.

SELECT '123'::int, '  42  '::int, '-7'::smallint, '9223372036854775807'::bigint, CAST('17' AS integer);

SELECT '1.5'::numeric(5,2), 1.555::numeric(5,2), -1.555::numeric(5,2), 12.345::numeric(10,1), 5::numeric(10,2), 0.005::numeric(4,2);

SELECT 2.5::int, (-2.5)::int, 2.4::int, 3.5::int, 2.5::smallint, 2.5::bigint;

SELECT 2.5::float8::int, 3.5::float8::int, (-2.5)::float8::int, 0.5::float8::int, 1.5::real::int;

SELECT 42::text, (-42)::text, 1.50::text, true::text, false::text, 1.5::float8::text;

SELECT 'yes'::boolean, 'off'::boolean, 't'::bool, 'FALSE'::bool, '1'::bool, ' true '::bool, 1::bool, 0::bool;

SELECT '2024-02-29'::date, '2024-02-29 12:34:56'::timestamp, '2024-02-29 12:34:56+02'::timestamptz, '1 day 2 hours'::interval;

SELECT TIMESTAMP '2024-02-29 23:59:59.999'::date, DATE '2024-02-29'::timestamp, '2024-02-29'::timestamp;

SELECT 0.1::float8::numeric, 123456789012345678::float8, 1.5::float8::numeric(5,2), 0.1::real::float8;

SELECT 1e20::float8, 1e-20::float8, 1.5e300::float8;

SELECT 0.1::real, 1::real / 3, 3.14159265358979::real, 1e10::real, 1e-10::real;

SELECT 'abcdef'::varchar(3), 'ab'::char(4), 'abc'::char(2), 'abc'::varchar, CAST('abcdef' AS character varying(4)), 'x'::character;

SELECT 'abc'::bytea, '\x41'::bytea, '\xDEADbeef'::bytea, ''::bytea;

SELECT '90 minutes'::interval, '1.5 days'::interval, '-1 day'::interval, '1 mon -1 day'::interval, '100 hours'::interval;

SELECT NULL::int, NULL::text, CAST(NULL AS date), NULL::boolean IS NULL;

SELECT (-0)::float8, -0::float8, '-0'::float8, 0::float8 * -1;

SELECT 10::numeric / 4, 1::numeric / 3, 2::numeric(10,2) / 3;

SELECT '1e3'::float8, 'infinity'::float8, '-inf'::float8, 'NaN'::float8, ' 1.5 '::float8, '1.5e-3'::real;

SELECT '1.5'::numeric, '-0.0'::numeric, '007'::int, '+5'::int, '1e2'::numeric;

SELECT id, i2::int8 AS a, i4::numeric(12,2) AS b, i4::float8 AS c, i8::text AS d FROM types;

SELECT id, i8::numeric AS big FROM types;

SELECT id, f8::text AS ft, f4::text AS f4t, n::text AS nt, n::float8 AS nf FROM types;

SELECT id, f8::numeric(18,4) AS fn FROM types WHERE id NOT IN (4, 5, 8);

SELECT id, d::text AS dt, ts::text AS tst, iv::text AS ivt, b::text AS bt, bt::text AS byt FROM types;

SELECT id, ts::date AS d, d::timestamp AS ts, tz::timestamp AS tsu, ts::timestamptz AS tzu FROM types;

SELECT id, t::varchar(3) AS v3, t::char(3) AS c3, c::text AS ct, vc::char(12) AS vcc FROM types;

SELECT id, n::int AS ni, n6::int8 AS n6i, f8::int8 AS fi FROM types WHERE id NOT IN (4, 5, 8);

SELECT id, i4::smallint AS s FROM types WHERE i4 BETWEEN -30000 AND 30000;

SELECT id, b::int AS bi, i4::boolean AS ib FROM types;

SELECT CAST(l_quantity AS integer) AS q, CAST(l_discount * 100 AS int) AS pct, count(*) FROM lineitem WHERE l_orderkey < 1000 GROUP BY 1, 2;

SELECT o_orderkey::text || '-' || o_custkey::text AS k FROM orders WHERE o_orderkey < 100;

SELECT p_retailprice::int AS p, p_retailprice::float8 AS f, p_retailprice::numeric(10,0) AS r FROM part WHERE p_partkey <= 15;

SELECT CAST(o_orderdate AS timestamp) AS ts, CAST(o_orderdate AS text) AS t FROM orders WHERE o_orderkey < 50;

SELECT '12'::int + '3'::int, '1.5'::numeric * 2, '2024-01-01'::date + 1;

SELECT 1::int2 + 1::int2, pg_typeof(1::int2 + 1::int2)::text, pg_typeof(1 + 1.5)::text, pg_typeof(1 / 2)::text;

SELECT 100::int2 * 300::int4, 5::int2 / 2::int2, 2147483647::int4 * 2::int8;

SELECT 1 = 1.0, 1 < 1.5, 1.5::float8 = 1.5::numeric, '1'::text = 1::text;

SELECT pg_typeof(1)::text, pg_typeof(1.5)::text, pg_typeof('a'::varchar(3))::text, pg_typeof(now())::text, pg_typeof(ARRAY[1,2])::text, pg_typeof(NULL::date)::text, pg_typeof(2.5::float8)::text, pg_typeof(l_shipdate)::text FROM lineitem LIMIT 1;

-- An untyped literal meets a numeric at its own scale, not the numeric's.
SELECT 1::numeric = '1.25', 1.25::numeric(5,2) = '1.255', 2.5::numeric(4,1) IN ('2.5', '2.50'), COALESCE(NULL::numeric(5,1), '1.25');

SELECT x FROM (VALUES (1.26::numeric(15,2)), (1.25), (2)) v(x) WHERE x = '1.255' OR x < '1.251' ORDER BY x;

SELECT 123456789::numeric(15,2) = '1.1234567890123', 123456789::numeric(15,2) > '1.1234567890123';

-- A literal's exponent counts in its scale: '1.5e-3' is 0.0015, no 0.00.
SELECT 0::numeric(15,2) = '1.5e-3', 1.25::numeric(5,2) = '125e-2', 1::numeric = '1.25e0', COALESCE(NULL::numeric(5,1), '1.25E0'), 2::numeric(4,1) = '0.2e1';
