-- Catalog queries of drivers and tools besides psql, pgJDBC, DBeaver and
-- Metabase, as their sources spell them (pg-compat.md §4.5), with
-- parameters substituted, plus psql's tab-completion queries and the
-- catalog functions one by one. Each starts at a "-- query:" line.

-- query: pgx LoadType oid
select 'int4'::text::regtype::oid

-- query: pgx LoadType row
select typtype, typbasetype, typelem, typdelim, typrelid from pg_type where oid = 1007

-- query: sqlalchemy version
select pg_catalog.version()

-- query: sqlalchemy current_schema
select current_schema()

-- query: sqlalchemy standard_conforming_strings
show standard_conforming_strings

-- query: psycopg2 hstore probe
SELECT t.oid, typarray FROM pg_type t JOIN pg_namespace ns ON typnamespace = ns.oid WHERE typname = 'hstore'

-- query: tableau lo probe
select oid, typbasetype from pg_type where typname = 'lo'

-- query: sqlalchemy table names
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p']) AND pg_catalog.pg_class.relpersistence != 't' AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog'

-- query: sqlalchemy has_table
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relname = 'trips' AND pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog'

-- query: sqlalchemy columns
SELECT pg_catalog.pg_class.relname, pg_catalog.pg_attribute.attname AS name, pg_catalog.format_type(pg_catalog.pg_attribute.atttypid, pg_catalog.pg_attribute.atttypmod) AS format_type, (SELECT pg_catalog.pg_get_expr(pg_catalog.pg_attrdef.adbin, pg_catalog.pg_attrdef.adrelid) AS pg_get_expr_1 FROM pg_catalog.pg_attrdef WHERE pg_catalog.pg_attrdef.adrelid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attrdef.adnum = pg_catalog.pg_attribute.attnum AND pg_catalog.pg_attribute.atthasdef) AS "default", pg_catalog.pg_attribute.attnotnull AS not_null, pg_catalog.pg_class.relname AS table_name, pg_catalog.pg_description.description AS comment, pg_catalog.pg_attribute.attgenerated AS generated, pg_catalog.pg_attribute.attidentity AS identity FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_attribute ON pg_catalog.pg_class.oid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_attribute.attnum > 0 AND NOT pg_catalog.pg_attribute.attisdropped LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_description.objoid = pg_catalog.pg_attribute.attrelid AND pg_catalog.pg_description.objsubid = pg_catalog.pg_attribute.attnum JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog' AND pg_catalog.pg_class.relname IN ('trips') ORDER BY pg_catalog.pg_class.relname, pg_catalog.pg_attribute.attnum

-- query: sqlalchemy domains
SELECT pg_catalog.format_type(pg_catalog.pg_type.typbasetype, pg_catalog.pg_type.typtypmod) AS attype, NOT pg_catalog.pg_type.typnotnull AS nullable, pg_catalog.pg_type.typdefault AS "default", pg_catalog.pg_type_is_visible(pg_catalog.pg_type.oid) AS visible, pg_catalog.pg_type.typname AS name, pg_catalog.pg_namespace.nspname AS schema FROM pg_catalog.pg_type JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_type.typnamespace WHERE pg_catalog.pg_type.typtype = 'd' ORDER BY pg_catalog.pg_namespace.nspname, pg_catalog.pg_type.typname

-- query: sqlalchemy enums
SELECT pg_catalog.pg_type.typname AS name, pg_catalog.pg_type_is_visible(pg_catalog.pg_type.oid) AS visible, pg_catalog.pg_namespace.nspname AS schema, pg_catalog.pg_enum.enumlabel AS label FROM pg_catalog.pg_type JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_type.typnamespace LEFT OUTER JOIN pg_catalog.pg_enum ON pg_catalog.pg_type.oid = pg_catalog.pg_enum.enumtypid WHERE pg_catalog.pg_type.typtype = 'e' ORDER BY pg_catalog.pg_namespace.nspname, pg_catalog.pg_type.typname, pg_catalog.pg_enum.enumsortorder

-- query: sqlalchemy primary keys
SELECT attr.conrelid, array_agg(attr.attname) AS cols, attr.conname, min(attr.description) AS description FROM (SELECT con.conrelid AS conrelid, con.conname AS conname, con.description AS description, pg_catalog.pg_attribute.attname AS attname FROM pg_catalog.pg_attribute JOIN (SELECT pg_catalog.pg_constraint.conrelid AS conrelid, pg_catalog.pg_constraint.conname AS conname, pg_catalog.pg_constraint.conkey AS attnum, pg_catalog.obj_description(pg_catalog.pg_constraint.oid, 'pg_constraint') AS description FROM pg_catalog.pg_constraint WHERE pg_catalog.pg_constraint.contype = 'p' AND pg_catalog.pg_constraint.conrelid IN ('trips'::regclass)) AS con ON pg_catalog.pg_attribute.attnum = ANY (con.attnum) AND pg_catalog.pg_attribute.attrelid = con.conrelid) AS attr GROUP BY attr.conrelid, attr.conname ORDER BY attr.conrelid, attr.conname

-- query: sqlalchemy indexes
SELECT pg_catalog.pg_index.indrelid, cls_idx.relname AS relname_index, pg_catalog.pg_index.indisunique, pg_catalog.pg_constraint.conrelid IS NOT NULL AS has_constraint, pg_catalog.pg_index.indoption, cls_idx.reloptions, pg_catalog.pg_am.amname, pg_catalog.pg_get_expr(pg_catalog.pg_index.indpred, pg_catalog.pg_index.indrelid) AS filter_definition FROM pg_catalog.pg_index JOIN pg_catalog.pg_class AS cls_idx ON pg_catalog.pg_index.indexrelid = cls_idx.oid JOIN pg_catalog.pg_am ON cls_idx.relam = pg_catalog.pg_am.oid LEFT OUTER JOIN pg_catalog.pg_constraint ON pg_catalog.pg_index.indrelid = pg_catalog.pg_constraint.conrelid AND pg_catalog.pg_index.indexrelid = pg_catalog.pg_constraint.conindid AND pg_catalog.pg_constraint.contype = ANY (ARRAY['p', 'u', 'x']) WHERE pg_catalog.pg_index.indrelid IN ('trips'::regclass) AND NOT pg_catalog.pg_index.indisprimary ORDER BY pg_catalog.pg_index.indrelid, cls_idx.relname

-- query: sqlalchemy table comment
SELECT pg_catalog.pg_class.relname, pg_catalog.pg_description.description AS comment FROM pg_catalog.pg_class LEFT OUTER JOIN pg_catalog.pg_description ON pg_catalog.pg_class.oid = pg_catalog.pg_description.objoid AND pg_catalog.pg_description.objsubid = 0 AND pg_catalog.pg_description.classoid = CAST('pg_catalog.pg_class' AS REGCLASS) JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['r', 'p', 'f', 'v', 'm']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog' AND pg_catalog.pg_class.relname IN ('trips')

-- query: sqlalchemy view names
SELECT pg_catalog.pg_class.relname FROM pg_catalog.pg_class JOIN pg_catalog.pg_namespace ON pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace WHERE pg_catalog.pg_class.relkind = ANY (ARRAY['v']) AND pg_catalog.pg_table_is_visible(pg_catalog.pg_class.oid) AND pg_catalog.pg_namespace.nspname != 'pg_catalog'

-- query: sqlalchemy schema names
SELECT pg_catalog.pg_namespace.nspname FROM pg_catalog.pg_namespace WHERE pg_catalog.pg_namespace.nspname NOT LIKE 'pg_%' ORDER BY pg_catalog.pg_namespace.nspname

-- query: psql tab completion tables
SELECT pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND substring(pg_catalog.quote_ident(c.relname),1,2)='tr' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog')
UNION
SELECT pg_catalog.quote_ident(n.nspname) || '.' FROM pg_catalog.pg_namespace n WHERE substring(pg_catalog.quote_ident(n.nspname) || '.',1,2)='tr' AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_namespace WHERE substring(pg_catalog.quote_ident(nspname) || '.',1,2) = substring('tr',1,pg_catalog.length(pg_catalog.quote_ident(nspname))+1)) > 1
LIMIT 1000

-- query: psql tab completion columns
SELECT pg_catalog.quote_ident(attname)   FROM pg_catalog.pg_attribute a, pg_catalog.pg_class c  WHERE c.oid = a.attrelid    AND a.attnum > 0    AND NOT a.attisdropped    AND substring(pg_catalog.quote_ident(attname),1,0)=''    AND (pg_catalog.quote_ident(relname)='trips'         OR '"' || relname || '"'='trips')    AND pg_catalog.pg_table_is_visible(c.oid)
LIMIT 1000

-- query: psql tab completion schemas
SELECT pg_catalog.quote_ident(nspname) FROM pg_catalog.pg_namespace  WHERE substring(pg_catalog.quote_ident(nspname),1,0)='' AND nspname NOT LIKE E'pg\\_%' LIMIT 1000

-- query: reg casts
SELECT 'pg_class'::regclass, 'pg_class'::regclass::oid, 1259::regclass, 'trips'::regclass::text, 'integer'::regtype, 'pg_catalog'::regnamespace::oid, 'pg_catalog.array_in'::regproc

-- query: session functions
SELECT version(), current_database(), current_catalog, current_schema, current_schema(), current_schemas(true), current_schemas(false), current_user, session_user, user, pg_backend_pid(), pg_postmaster_start_time() IS NOT NULL, pg_is_in_recovery(), inet_server_addr(), inet_server_port(), getdatabaseencoding(), pg_encoding_to_char(6), pg_char_to_encoding('UTF8')

-- query: catalog functions
SELECT format_type(23, -1), format_type(1043, 14), format_type(1700, NULL), pg_get_userbyid(10), pg_table_is_visible('trips'::regclass), pg_type_is_visible(23), pg_function_is_visible(870), obj_description('trips'::regclass, 'pg_class'), col_description('trips'::regclass, 1), shobj_description(10, 'pg_authid'), pg_get_expr(NULL, 0), pg_get_constraintdef(1), pg_get_indexdef(1), pg_get_viewdef('trips'::regclass), pg_get_partkeydef('trips'::regclass), pg_get_triggerdef(1), pg_get_ruledef(1), pg_get_function_arguments(870), pg_get_function_result(870), pg_get_function_identity_arguments(870), pg_get_statisticsobjdef_columns(1), pg_relation_is_publishable('trips'::regclass), pg_tablespace_location(1663), pg_get_serial_sequence('trips', 'id'), pg_stat_get_numscans('trips'::regclass)

-- query: size functions
SELECT pg_total_relation_size('trips'), pg_relation_size('trips'), pg_table_size('trips'), pg_indexes_size('trips'), pg_database_size(current_database()), pg_size_pretty(pg_database_size(current_database())), pg_size_pretty(123456789::bigint)

-- query: privilege functions
SELECT has_table_privilege('trips', 'SELECT'), has_table_privilege(current_user, 'public.trips', 'select,insert'), has_any_column_privilege('trips', 'select'), has_column_privilege('trips', 'city', 'select'), has_schema_privilege('public', 'usage'), has_schema_privilege(current_user, 'public', 'create'), has_database_privilege(current_database(), 'connect'), has_function_privilege('lower(text)', 'execute')

-- query: quoting functions
SELECT quote_ident('Trips'), quote_literal('it''s'), quote_nullable(NULL), quote_nullable('x'), format('%I.%I', 'public', 'My Table'), format('%s-%L', 'a', 'b'), format('%L', NULL)

-- query: keywords
SELECT count(*) > 400 FROM pg_get_keywords()
