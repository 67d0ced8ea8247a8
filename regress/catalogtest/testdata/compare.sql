-- Catalog queries whose answers must be the same on Apiary and on
-- PostgreSQL 15 holding the same objects (fixtureDDL). They avoid what
-- differs by design: user objects' OIDs, the database's name, relation
-- sizes. Each starts at a "-- query:" line.

-- query: columns of a frame
SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attnum, a.atttypid, a.atttypmod,
  a.attlen, a.attbyval, a.attalign, a.attstorage, a.attndims, a.attcollation, a.atthasdef, a.attidentity, a.attgenerated,
  a.attisdropped, a.attislocal, a.attinhcount
FROM pg_catalog.pg_attribute a
WHERE a.attrelid = 'trips'::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum

-- query: class row of a frame
SELECT relname, relkind, relnatts, relhasindex, relpersistence, relam, relchecks, relhasrules, relhastriggers,
  relrowsecurity, relispartition, reltablespace, reloftype, relispopulated, relreplident, relisshared, relhassubclass
FROM pg_catalog.pg_class WHERE oid = 'trips'::regclass

-- query: information_schema.columns
SELECT table_schema, table_name, column_name, ordinal_position, column_default, is_nullable, data_type,
  character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, numeric_scale,
  datetime_precision, interval_type, interval_precision, udt_schema, udt_name, dtd_identifier, is_self_referencing,
  is_identity, identity_cycle, is_generated, is_updatable, collation_name, domain_name
FROM information_schema.columns WHERE table_name IN ('trips', 'events') ORDER BY table_schema, table_name, ordinal_position

-- query: information_schema.tables
SELECT table_schema, table_name, table_type, is_insertable_into, is_typed, commit_action
FROM information_schema.tables WHERE table_schema IN ('public', 'raw') ORDER BY 1, 2

-- query: information_schema.schemata
SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('public', 'raw', 'pg_catalog', 'information_schema') ORDER BY 1

-- query: namespaces
SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname !~ '^pg_toast' AND nspname !~ '^pg_temp' ORDER BY 1

-- query: built-in namespace OIDs
SELECT oid, nspname FROM pg_catalog.pg_namespace WHERE nspname IN ('pg_catalog', 'public') ORDER BY 1

-- query: catalog relation OIDs
SELECT 'pg_class'::regclass::oid, 'pg_type'::regclass::oid, 'pg_attribute'::regclass::oid, 'pg_namespace'::regclass::oid,
  'pg_proc'::regclass::oid, 'pg_database'::regclass::oid, 'pg_roles'::regclass::oid, 'information_schema.columns'::regclass::oid,
  'pg_class'::regclass, 'pg_catalog.pg_type'::regclass::text

-- query: types
SELECT oid, typname, typnamespace, typlen, typbyval, typtype, typcategory, typispreferred, typdelim, typelem, typarray,
  typinput, typoutput, typreceive::oid, typsend::oid, typalign, typstorage, typnotnull, typbasetype, typtypmod, typndims, typcollation
FROM pg_catalog.pg_type
WHERE typname IN ('bool', 'int2', 'int4', 'int8', 'text', 'varchar', 'bpchar', 'numeric', 'float4', 'float8', 'date',
  'timestamp', 'timestamptz', 'interval', 'bytea', 'oid', 'name', 'char', '_int4', '_text', 'regclass', 'int2vector', 'oidvector')
ORDER BY oid

-- query: format_type
SELECT t.typname, pg_catalog.format_type(t.oid, NULL), pg_catalog.format_type(t.oid, -1)
FROM pg_catalog.pg_type t
WHERE t.typname IN ('bool', 'int2', 'int4', 'int8', 'text', 'varchar', 'bpchar', 'numeric', 'float4', 'float8', 'date',
  'timestamp', 'timestamptz', 'interval', 'bytea', 'oid', 'name', 'char', '_int4', '_text', '_varchar', 'regclass', 'anyarray')
ORDER BY t.oid

-- query: format_type with modifiers
SELECT pg_catalog.format_type(1043, 14), pg_catalog.format_type(1042, 7), pg_catalog.format_type(1700, 524294),
  pg_catalog.format_type(1184, 2), pg_catalog.format_type(1015, 14), pg_catalog.format_type(99999, -1), pg_catalog.format_type(NULL, -1)

-- query: regtype
SELECT 'integer'::regtype, 'character varying'::regtype, 'text[]'::regtype, 'int4'::regtype::oid, 'double precision'::regtype::oid

-- query: access methods
SELECT oid, amname, amtype FROM pg_catalog.pg_am WHERE amname IN ('heap', 'btree') ORDER BY oid

-- query: collations
SELECT oid, collname, collprovider, collencoding FROM pg_catalog.pg_collation WHERE collname IN ('default', 'C', 'POSIX') ORDER BY oid

-- query: tablespaces
SELECT oid, spcname, pg_catalog.pg_tablespace_location(oid) FROM pg_catalog.pg_tablespace ORDER BY oid

-- query: pg_tables
SELECT schemaname, tablename, hasindexes, hasrules, hastriggers, rowsecurity FROM pg_catalog.pg_tables
WHERE schemaname IN ('public', 'raw') ORDER BY 1, 2

-- query: functions
SELECT p.oid, p.proname, p.prokind, p.pronargs, p.proargtypes, p.prorettype, p.proretset,
  pg_catalog.pg_get_function_arguments(p.oid), pg_catalog.pg_get_function_result(p.oid)
FROM pg_catalog.pg_proc p WHERE p.proname IN ('lower', 'length', 'substring', 'array_in', 'int4in', 'count', 'row_number', 'generate_series')
  AND p.oid IN (870, 1317, 937, 750, 42, 2147, 2803, 3100, 1067)
ORDER BY p.oid

-- query: keywords
SELECT word, catcode, barelabel, catdesc, baredesc FROM pg_catalog.pg_get_keywords() WHERE word IN ('select', 'user', 'name', 'between', 'abort') ORDER BY word

-- query: session functions
SELECT current_schema(), current_schemas(false), current_schemas(true), pg_catalog.pg_is_in_recovery(),
  getdatabaseencoding(), pg_encoding_to_char(6), pg_char_to_encoding('utf-8'), pg_encoding_to_char(99)

-- query: visibility
SELECT pg_catalog.pg_table_is_visible('trips'::regclass), pg_catalog.pg_table_is_visible('raw.events'::regclass),
  pg_catalog.pg_table_is_visible('pg_class'::regclass), pg_catalog.pg_type_is_visible(23), pg_catalog.pg_function_is_visible(870)

-- query: quoting
SELECT pg_catalog.quote_ident('trips'), pg_catalog.quote_ident('My Trips'), quote_literal('it''s'), quote_nullable(NULL::text),
  format('%I.%I', 'public', 'My Table'), format('%s|%L|%L', 'x', 'y', NULL), format('%2$s %1$s', 'a', 'b'), format('[%-5s]', 'ab')

-- query: pg_size_pretty
SELECT pg_size_pretty(0::bigint), pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), pg_size_pretty(123456789::bigint),
  pg_size_pretty(-123456789::bigint), pg_size_pretty(10000000000000::bigint), pg_size_pretty(99999999999999999::bigint)

-- query: privileges
SELECT has_table_privilege('trips', 'SELECT'), has_table_privilege('public.trips', 'select, insert'),
  has_any_column_privilege('trips', 'select'), has_column_privilege('trips', 'city', 'select'),
  has_schema_privilege('public', 'usage'), has_table_privilege(99999999::oid, 'select')

-- query: empty catalogs
SELECT (SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'trips'::regclass) AS pg_index,
  (SELECT count(*) FROM pg_catalog.pg_constraint WHERE conrelid = 'trips'::regclass) AS pg_constraint,
  (SELECT count(*) FROM pg_catalog.pg_attrdef WHERE adrelid = 'trips'::regclass) AS pg_attrdef,
  (SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhrelid = 'trips'::regclass) AS pg_inherits,
  (SELECT count(*) FROM pg_catalog.pg_description WHERE objoid = 'trips'::regclass) AS pg_description,
  (SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'trips'::regclass) AS pg_trigger,
  (SELECT count(*) FROM pg_catalog.pg_policy WHERE polrelid = 'trips'::regclass) AS pg_policy

-- query: unqualified catalogs
SELECT count(*) > 0 FROM pg_class WHERE relname = 'pg_type'

-- query: pgjdbc getSchemas
SELECT nspname AS TABLE_SCHEM, NULL AS TABLE_CATALOG FROM pg_catalog.pg_namespace  WHERE nspname <> 'pg_toast' AND (nspname !~ '^pg_temp_'  OR nspname = (pg_catalog.current_schemas(true))[1]) AND (nspname !~ '^pg_toast_temp_'  OR nspname = replace((pg_catalog.current_schemas(true))[1], 'pg_temp_', 'pg_toast_temp_'))  ORDER BY TABLE_SCHEM

-- query: pgjdbc getTables
SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, c.relname AS TABLE_NAME,  CASE n.nspname ~ '^pg_' OR n.nspname = 'information_schema'  WHEN true THEN CASE  WHEN n.nspname = 'pg_catalog' OR n.nspname = 'information_schema' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TABLE'   WHEN 'v' THEN 'SYSTEM VIEW'   WHEN 'i' THEN 'SYSTEM INDEX'   ELSE NULL   END  WHEN n.nspname = 'pg_toast' THEN CASE c.relkind   WHEN 'r' THEN 'SYSTEM TOAST TABLE'   WHEN 'i' THEN 'SYSTEM TOAST INDEX'   ELSE NULL   END  ELSE CASE c.relkind   WHEN 'r' THEN 'TEMPORARY TABLE'   WHEN 'p' THEN 'TEMPORARY TABLE'   WHEN 'i' THEN 'TEMPORARY INDEX'   WHEN 'S' THEN 'TEMPORARY SEQUENCE'   WHEN 'v' THEN 'TEMPORARY VIEW'   ELSE NULL   END  END  WHEN false THEN CASE c.relkind  WHEN 'r' THEN 'TABLE'  WHEN 'p' THEN 'PARTITIONED TABLE'  WHEN 'i' THEN 'INDEX'  WHEN 'P' then 'PARTITIONED INDEX'  WHEN 'S' THEN 'SEQUENCE'  WHEN 'v' THEN 'VIEW'  WHEN 'c' THEN 'TYPE'  WHEN 'f' THEN 'FOREIGN TABLE'  WHEN 'm' THEN 'MATERIALIZED VIEW'  ELSE NULL  END  ELSE NULL  END  AS TABLE_TYPE, d.description AS REMARKS,  '' as TYPE_CAT, '' as TYPE_SCHEM, '' as TYPE_NAME, '' AS SELF_REFERENCING_COL_NAME, '' AS REF_GENERATION  FROM pg_catalog.pg_namespace n, pg_catalog.pg_class c  LEFT JOIN pg_catalog.pg_description d ON (c.oid = d.objoid AND d.objsubid = 0  and d.classoid = 'pg_class'::regclass)  WHERE c.relnamespace = n.oid  AND c.relname LIKE '%' AND (false  OR ( c.relkind = 'r' AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' )  OR ( c.relkind = 'v' AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' ) )  ORDER BY TABLE_TYPE,TABLE_SCHEM,TABLE_NAME

-- query: pgjdbc getColumns
SELECT * FROM (SELECT n.nspname,c.relname,a.attname,a.atttypid,a.attnotnull OR (t.typtype = 'd' AND t.typnotnull) AS attnotnull,a.atttypmod,a.attlen,t.typtypmod,row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) AS attnum, nullif(a.attidentity, '') as attidentity,nullif(a.attgenerated, '') as attgenerated,pg_catalog.pg_get_expr(def.adbin, def.adrelid) AS adsrc,dsc.description,t.typbasetype,t.typtype  FROM pg_catalog.pg_namespace n  JOIN pg_catalog.pg_class c ON (c.relnamespace = n.oid)  JOIN pg_catalog.pg_attribute a ON (a.attrelid=c.oid)  JOIN pg_catalog.pg_type t ON (a.atttypid = t.oid)  LEFT JOIN pg_catalog.pg_attrdef def ON (a.attrelid=def.adrelid AND a.attnum = def.adnum)  LEFT JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)  LEFT JOIN pg_catalog.pg_class dc ON (dc.oid=dsc.classoid AND dc.relname='pg_class')  LEFT JOIN pg_catalog.pg_namespace dn ON (dc.relnamespace=dn.oid AND dn.nspname='pg_catalog')  WHERE c.relkind in ('r','p','v','f','m') and a.attnum > 0 AND NOT a.attisdropped  AND n.nspname LIKE 'public' AND c.relname LIKE 'trips') c WHERE true  ORDER BY nspname,c.relname,attnum

-- query: pgjdbc type resolution
SELECT typinput='pg_catalog.array_in'::regproc as is_array, typtype, typname, pg_type.oid   FROM pg_catalog.pg_type   LEFT JOIN (select ns.oid as nspoid, ns.nspname, r.r           from pg_namespace as ns           join ( select s.r, (current_schemas(false))[s.r] as nspname                    from generate_series(1, array_upper(current_schemas(false), 1)) as s(r) ) as r          using ( nspname )        ) as sp     ON sp.nspoid = typnamespace  WHERE pg_type.oid = '1186'  ORDER BY sp.r, pg_type.oid DESC

-- query: pgjdbc type schema
SELECT n.nspname = ANY(current_schemas(true)), n.nspname, t.typname FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON t.typnamespace = n.oid WHERE t.oid = '1186'

-- query: to_reg functions
SELECT to_regclass('pg_class')::oid, to_regclass('no_such_table'), to_regtype('integer')::oid, to_regtype('no_such_type'),
  to_regnamespace('pg_catalog')::oid, to_regnamespace('nope'), to_regproc('pg_catalog.array_in')::oid, to_regproc('no_such_function')

-- query: psycopg TypeInfo.fetch
SELECT typname AS name, oid, typarray AS array_oid, oid::regtype::text AS regtype, typdelim AS delimiter
FROM pg_type t WHERE t.oid = to_regtype('int4') ORDER BY t.oid
