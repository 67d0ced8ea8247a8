-- Arrays, set-returning functions, oid, name, "char" and the reg* casts:
-- the SQL drivers' catalog queries are made of.

SELECT '{1,2,3}'::int[], '{}'::text[], '{a,"b c",NULL,"NULL",""}'::text[], '{"x\"y","z\\w"}'::text[];

SELECT ARRAY[1, 2, NULL], ARRAY['a', 'b c'], ARRAY[1.5, 2], ARRAY[]::integer[], ARRAY[true, false];

SELECT ARRAY[i4, i2] FROM types WHERE id < 4 ORDER BY id;

SELECT ARRAY[t, vc], ARRAY[d], ARRAY[ts], ARRAY[n] FROM types WHERE id = 1;

SELECT '{1.5,-2}'::numeric(5,2)[], '{2024-02-29}'::date[], '{t,f,NULL}'::bool[], '{1e300,-0.5}'::float8[];

-- A cast to numeric[] without a scale keeps the elements' own scale, as the
-- scalar cast to numeric does; a declared scale wins.
SELECT '{1.25}'::numeric[], ARRAY[1, 2]::numeric[], '{1,2}'::int[]::numeric[], '{}'::numeric[], '{NULL,7.125}'::numeric[], ARRAY[NULL, 1.5]::numeric[];

SELECT '{1.5}'::numeric(5,2)[]::numeric[], '{1.125,-2}'::numeric(10,2)[], ARRAY[1, 2.5]::numeric(10,2)[], CAST('{0.5}' AS numeric(3,1)[]);

SELECT id, ARRAY[i4, i2]::numeric[], ARRAY[n]::numeric[], ARRAY[n6]::numeric[] FROM types WHERE id < 4 ORDER BY id;

SELECT array_agg(n ORDER BY id), array_agg(n6 ORDER BY id), array_agg(i4::numeric ORDER BY id) FROM types WHERE id < 4;

SELECT ARRAY(SELECT n FROM types WHERE id < 4 ORDER BY id), ARRAY(SELECT n::numeric FROM types WHERE id < 3 ORDER BY id);

SELECT ARRAY[1, 2]::numeric[] || 3, array_position(ARRAY[1, 2]::numeric[], 1.5), array_position(ARRAY[1, 2]::numeric[], 2.0), array_cat('{1.25}'::numeric[], ARRAY[2.75]);

SELECT '[1:3]={7,8,9}'::int[], ' { 1 , 2 } '::int[];

SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10, 20, 30])[4], (ARRAY[10, 20, 30])[0], ('{a,b}'::text[])[1];

SELECT (ARRAY[10, 20, 30])[NULL::int], (NULL::int[])[1];

SELECT array_to_string(ARRAY['a', NULL, 'c'], ','), array_to_string(ARRAY['a', NULL, 'c'], ',', '*'), array_to_string(ARRAY[1, 2], '');

SELECT array_upper(ARRAY[1, 2, 3], 1), array_lower(ARRAY[1, 2, 3], 1), array_length(ARRAY[1, 2, 3], 1), cardinality(ARRAY[1, 2, 3]);

SELECT array_upper('{}'::int[], 1), array_length('{}'::int[], 1), cardinality('{}'::int[]), array_upper(ARRAY[1], 2);

SELECT array_position(ARRAY['a', 'b', 'a'], 'a'), array_position(ARRAY['a', 'b', 'a'], 'a', 2), array_position(ARRAY['a'], 'z');

SELECT string_to_array('a,b,,c', ','), string_to_array('a,b,,c', ',', ''), string_to_array('abc', NULL), string_to_array('', ',');

SELECT array_append(ARRAY[1], 2), array_prepend(0, ARRAY[1]), array_cat(ARRAY[1], ARRAY[2, 3]), array_dims(ARRAY[5, 6]);

SELECT 2 = ANY(ARRAY[1, 2]), 3 = ANY(ARRAY[1, 2]), 3 = ANY(ARRAY[1, NULL]), 1 = ANY(ARRAY[1, NULL]), 1 = ANY('{}'::int[]);

SELECT 3 <> ALL(ARRAY[1, 2]), 2 <> ALL(ARRAY[1, 2]), 3 <> ALL(ARRAY[1, NULL]), 1 <> ALL('{}'::int[]), 2 < ANY(ARRAY[1, 5]);

SELECT id FROM types WHERE i4 = ANY(ARRAY[1, -1, 0]) ORDER BY id;

SELECT id FROM types WHERE t = ANY('{one,two}') ORDER BY id;

SELECT id FROM types WHERE id <> ALL('{1,2,3}') AND id < 7 ORDER BY id;

SELECT ARRAY[1, 2] = ARRAY[1, 2], ARRAY[1, 2] < ARRAY[1, 3], ARRAY[1, 2] < ARRAY[1, 2, 0], ARRAY[1, NULL] > ARRAY[1, 5], '{1,2}'::int[] = '{1,2}';

SELECT '{1,2}'::int[]::text[], '{1,2}'::text[]::bigint[], ARRAY[1, 2]::text, '{a,b}'::text[]::text;

SELECT array_agg(id ORDER BY id) FROM types WHERE id < 5;

SELECT array_agg(t ORDER BY id DESC) FROM types WHERE id < 5;

SELECT b, array_agg(i4 ORDER BY id) FROM types GROUP BY b ORDER BY b;

SELECT array_agg(id) FROM types WHERE id < 0;

SELECT array_agg(DISTINCT b ORDER BY b) FROM types;

SELECT ARRAY(SELECT id FROM types WHERE id < 4 ORDER BY id DESC), ARRAY(SELECT t FROM types WHERE false);

SELECT id, ARRAY(SELECT k FROM t1 WHERE t1.k = types.i4 ORDER BY t1.id) FROM types WHERE id < 4 ORDER BY id;

SELECT a, count(*) FROM (SELECT ARRAY[k, k] AS a FROM t1) s GROUP BY a ORDER BY a;

SELECT DISTINCT ARRAY[b] FROM types ORDER BY 1;

-- Set-returning functions in the select list and in FROM.

SELECT generate_series(1, 3);

SELECT generate_series(5, 1, -2), generate_series(1, 2);

SELECT generate_series(1::bigint, 3::bigint, 2), generate_series(1.5, 3);

SELECT generate_series('2024-01-31'::timestamp, '2024-05-01', '1 month');

SELECT g FROM generate_series(1, 5) g WHERE g % 2 = 1;

SELECT * FROM generate_series(1, 3) WITH ORDINALITY AS s(v, n);

SELECT * FROM unnest(ARRAY['a', 'b', NULL]) WITH ORDINALITY;

SELECT * FROM unnest(ARRAY[1, 2], ARRAY['x']);

SELECT u FROM unnest('{3,1,2}'::int[]) AS u ORDER BY u;

SELECT id, unnest(ARRAY[i2, i4]) FROM types WHERE id < 3;

SELECT id, x FROM types, unnest(ARRAY[i4, i4 + 1]) AS x WHERE id < 3;

SELECT * FROM information_schema._pg_expandarray(ARRAY[10, 20]);

SELECT information_schema._pg_expandarray(ARRAY['a b', 'c']);

SELECT (information_schema._pg_expandarray(ARRAY[10, 20])).n, (information_schema._pg_expandarray(ARRAY[10, 20])).x;

SELECT s.x, (s.k).n FROM (SELECT 7 AS x, information_schema._pg_expandarray(ARRAY[5, 6]) AS k) s WHERE (s.k).x = 6;

SELECT unnest(array_agg(id ORDER BY id)) FROM types WHERE id < 4;

SELECT count(*), generate_series(1, 2) FROM types;

-- error 0A000
SELECT id FROM types WHERE generate_series(1, 2) > 1;

-- error 22023
SELECT generate_series(1, 10, 0);

-- oid, name, "char" and the reg* types.

SELECT 1::oid, '4294967295'::oid, (-1)::oid, ' 12 '::oid, 4294967295::oid::int4, 4294967295::oid::int8;

SELECT 1::oid = 1, 3000000000::oid > 1::oid, 1::oid = '1', 1::oid IN (1, 2), 5::oid = 5::bigint;

-- error 22003
SELECT 4294967296::oid;

-- error 22P02
SELECT 'x'::oid;

-- error 42883
SELECT 1::oid + 1;

SELECT 'abc'::name, repeat('x', 70)::name, length(repeat('é', 40)::name), 'a'::name = 'a'::text;

SELECT 'abc'::"char", ''::"char", 'é'::"char", 'a'::"char"::int, 65::"char";

SELECT 'f'::"char" = 'f'::char, 'r'::"char" IN ('r', 'p');

SELECT 'pg_class'::regclass, 'pg_class'::regclass::oid, 'pg_catalog.pg_class'::regclass, 1259::regclass, 0::regclass;

SELECT 'integer'::regtype, 'int'::regtype, 'int4'::regtype::oid, 'character varying'::regtype, 'double precision'::regtype, 'text[]'::regtype, '"char"'::regtype;

SELECT 23::regtype, 1043::regtype::text, 'pg_catalog'::regnamespace::oid, 11::regnamespace;

SELECT 'pg_catalog.array_in'::regproc::oid, 'array_in'::regproc;

SELECT '{1,2}'::oid[], '{int4,text}'::regtype[], '{r,i}'::"char"[], '{a,b}'::name[];

-- error 42P01
SELECT 'nosuch_table'::regclass;

-- error 42704
SELECT 'nosuch_type'::regtype;

-- error 42883
SELECT 'nosuch_function'::regproc;

-- Syntax clients send: OPERATOR(), COLLATE, quoted and qualified names.

SELECT 'abc' OPERATOR(pg_catalog.~) '^a' COLLATE pg_catalog.default, 'abc' OPERATOR(pg_catalog.!~) 'b';

SELECT 'abc' ~ 'B', 'abc' ~* 'B', 'abc' !~ 'B', 'abc' !~* 'B';

SELECT pg_catalog.lower('ABC'), "substring"('abcdef', 3), pg_catalog."substring"('abcdef', 2, 2), 'x'::pg_catalog.text;

SELECT '{1,2}'::pg_catalog.int2[], E'a\nb', 'a' COLLATE "C" < 'b';

-- LATERAL and correlated subqueries over arrays and functions.

SELECT id, g FROM types, LATERAL generate_series(1, id) AS g WHERE id < 4;

SELECT t1.id, ARRAY(SELECT t2.id FROM t2 WHERE t2.k = ANY(ARRAY[t1.k, t1.k + 1]) ORDER BY t2.id) FROM t1 ORDER BY t1.id;

SELECT id, (SELECT string_agg(x::text, ',' ORDER BY x) FROM generate_series(1, t1.id) x) FROM t1 ORDER BY id;

SELECT a[2], a[3] FROM (SELECT string_to_array('a,b,c', ',') AS a) s;

SELECT 'pg_class'::regclass = 1259, 1259::regclass = 'pg_class'::regclass, 'pg_class'::regclass::text = 'pg_class';

SELECT relname, relkind FROM pg_class WHERE oid = 'pg_class'::regclass;

-- error 42804
SELECT (1)[1];

-- An untyped array literal compared with a numeric array is read at its
-- own scale, not the column's.
SELECT '{1.3}'::numeric(6,1)[] = '{1.25}', '{1.25}' = '{1.3}'::numeric(6,1)[], '{1.3}'::numeric(6,1)[] < '{1.25}', '{1.3}'::numeric(6,1)[] <> '{1.25, 2}';

-- An untyped literal concatenated to numeric(5,1)[] keeps its digits.
SELECT (ARRAY[1.5]::numeric(5,1)[] || '{1.25}')[2] AS a, ('{1.25}' || ARRAY[1.5]::numeric(5,1)[])[1] AS b, (array_append(ARRAY[1.5]::numeric(5,1)[], '1.25'))[2] AS c, array_position(ARRAY[1.3]::numeric(5,1)[], '1.25') AS d;
