-- Catalog queries of DBeaver 25 opening a PostgreSQL connection and its
-- navigator (statements from the capture in ybrs/pg_catalog
-- captures/dbeaver.yaml and /work/shared/notes/pg-compat.md §4.3), with the
-- bound parameters substituted. Each starts at a "-- query:" line.

-- query: dbeaver extra_float_digits
SET extra_float_digits = 3

-- query: dbeaver application_name
SET application_name = 'DBeaver 25.1.0 - Read PostgreSQL database list'

-- query: dbeaver databases
SELECT db.oid,db.* FROM pg_catalog.pg_database db WHERE 1 = 1 AND datallowconn AND NOT datistemplate OR db.datname ='apiary'
ORDER BY db.datname

-- query: dbeaver current_database
SELECT current_database()

-- query: dbeaver current_schema
SELECT current_schema(),session_user

-- query: dbeaver namespaces
SELECT n.oid,n.*,d.description FROM pg_catalog.pg_namespace n
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=n.oid AND d.objsubid=0 AND d.classoid='pg_namespace'::regclass
 ORDER BY nspname

-- query: dbeaver search_path
SHOW search_path

-- query: dbeaver setting
select * from pg_catalog.pg_settings where name='standard_conforming_strings'

-- query: dbeaver version
SELECT version()

-- query: dbeaver enum probe
SELECT * FROM pg_catalog.pg_enum WHERE 1<>1 LIMIT 1

-- query: dbeaver reltype probe
SELECT reltype FROM pg_catalog.pg_class WHERE 1<>1 LIMIT 1

-- query: dbeaver types
SELECT t.oid,t.*,c.relkind,format_type(nullif(t.typbasetype, 0), t.typtypmod) as base_type_name, d.description
FROM pg_catalog.pg_type t
LEFT OUTER JOIN pg_catalog.pg_type et ON et.oid=t.typelem 
LEFT OUTER JOIN pg_catalog.pg_class c ON c.oid=t.typrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON t.oid=d.objoid
WHERE t.typname IS NOT NULL
AND (c.relkind IS NULL OR c.relkind = 'c') AND (et.typcategory IS NULL OR et.typcategory <> 'C')

-- query: dbeaver enums
SELECT * FROM pg_catalog.pg_enum

-- query: dbeaver schema tables
SELECT c.oid,c.*,d.description,pg_catalog.pg_get_expr(c.relpartbound, c.oid) as partition_expr,  pg_catalog.pg_get_partkeydef(c.oid) as partition_key 
FROM pg_catalog.pg_class c
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_class'::regclass
WHERE c.relnamespace=2200 AND c.relkind not in ('i','I','c')

-- query: dbeaver table columns
SELECT c.relname,a.*,pg_catalog.pg_get_expr(ad.adbin, ad.adrelid, true) as def_value,dsc.description,dep.objid
FROM pg_catalog.pg_attribute a
INNER JOIN pg_catalog.pg_class c ON (a.attrelid=c.oid)
LEFT OUTER JOIN pg_catalog.pg_attrdef ad ON (a.attrelid=ad.adrelid AND a.attnum = ad.adnum)
LEFT OUTER JOIN pg_catalog.pg_description dsc ON (c.oid=dsc.objoid AND a.attnum = dsc.objsubid)
LEFT OUTER JOIN pg_depend dep on dep.refobjid = a.attrelid AND dep.deptype = 'i' and dep.refobjsubid = a.attnum and dep.classid = dep.refclassid
WHERE NOT a.attisdropped AND c.relkind not in ('i','I','c') AND c.oid='trips'::regclass
ORDER BY a.attnum

-- query: dbeaver roles
SELECT a.oid,a.*,pd.description FROM pg_catalog.pg_roles a 
left join pg_catalog.pg_shdescription pd on a.oid = pd.objoid
ORDER BY a.rolname

-- query: dbeaver tablespaces
SELECT t.oid,t.*,pg_tablespace_location(t.oid) loc FROM pg_catalog.pg_tablespace t ORDER BY t.oid

-- query: dbeaver keywords
select string_agg(word, ',') from pg_catalog.pg_get_keywords() where word <> ALL ('{a,abs,absolute,action}'::text[])

-- query: dbeaver access methods
SELECT am.oid,am.* FROM pg_catalog.pg_am am

-- query: dbeaver collations
SELECT c.oid,c.* FROM pg_catalog.pg_collation c ORDER BY c.oid

-- query: dbeaver inherits
SELECT i.*,c.relnamespace FROM pg_catalog.pg_inherits i,pg_catalog.pg_class c WHERE i.inhrelid='trips'::regclass AND c.oid=i.inhparent ORDER BY i.inhseqno

-- query: dbeaver constraints
SELECT c.oid,c.*,t.relname as tabrelname,rt.relnamespace as refnamespace,d.description, case when c.contype='c' then "substring"(pg_get_constraintdef(c.oid), 7) else null end consrc_copy
FROM pg_catalog.pg_constraint c
INNER JOIN pg_catalog.pg_class t ON t.oid=c.conrelid
LEFT OUTER JOIN pg_catalog.pg_class rt ON rt.oid=c.confrelid
LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_constraint'::regclass
WHERE c.conrelid='trips'::regclass
ORDER BY c.oid

-- query: dbeaver indexes
SELECT i.*,i.indkey as keys,c.relname,c.relnamespace,c.relam,c.reltablespace,tc.relname as tabrelname,dsc.description,pg_catalog.pg_get_expr(i.indpred, i.indrelid) as pred_expr,pg_catalog.pg_get_expr(i.indexprs, i.indrelid, true) as expr,pg_catalog.pg_relation_size(i.indexrelid) as index_rel_size,pg_catalog.pg_stat_get_numscans(i.indexrelid) as index_num_scans
FROM pg_catalog.pg_index i
INNER JOIN pg_catalog.pg_class c ON c.oid=i.indexrelid
INNER JOIN pg_catalog.pg_class tc ON tc.oid=i.indrelid
LEFT OUTER JOIN pg_catalog.pg_description dsc ON i.indexrelid=dsc.objoid
WHERE i.indrelid='trips'::regclass ORDER BY c.relname

-- query: dbeaver table sizes
SELECT pg_catalog.pg_total_relation_size(c.oid) AS total_rel_size, pg_catalog.pg_relation_size(c.oid) AS rel_size FROM pg_catalog.pg_class c WHERE c.oid='trips'::regclass

-- query: dbeaver folders
SELECT l.oid,l.* FROM pg_catalog.pg_language l ORDER BY l.oid

-- query: dbeaver extensions
SELECT e.oid,e.*,n.nspname FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid=e.extnamespace ORDER BY e.oid

-- query: dbeaver available extensions
SELECT name,default_version,installed_version,comment FROM pg_catalog.pg_available_extensions ORDER BY name

-- query: dbeaver event triggers
SELECT x.oid,x.* FROM pg_catalog.pg_event_trigger x ORDER BY x.oid

-- query: dbeaver fdw
SELECT l.oid,l.*,p.pronamespace as handler_schema_id FROM pg_catalog.pg_foreign_data_wrapper l LEFT OUTER JOIN pg_catalog.pg_proc p ON p.oid=l.fdwhandler ORDER BY l.fdwname

-- query: dbeaver foreign servers
SELECT l.oid,l.* FROM pg_catalog.pg_foreign_server l ORDER BY l.srvname

-- query: dbeaver conversions
SELECT c.oid,c.*,d.description FROM pg_catalog.pg_conversion c LEFT OUTER JOIN pg_catalog.pg_description d ON d.objoid=c.oid AND d.objsubid=0 AND d.classoid='pg_conversion'::regclass ORDER BY c.oid

-- query: dbeaver aggregates
SELECT p.oid,p.*,a.*,pg_catalog.pg_get_expr(p.proargdefaults, 0) as arg_defaults FROM pg_catalog.pg_proc p LEFT OUTER JOIN pg_catalog.pg_aggregate a ON a.aggfnoid=p.oid WHERE p.pronamespace=11 AND p.prokind='a' ORDER BY p.proname

-- query: dbeaver default acls
SELECT * FROM pg_catalog.pg_default_acl

-- query: dbeaver sessions
SELECT sa.* FROM pg_catalog.pg_stat_activity sa

-- query: dbeaver partitioned tables
SELECT p.* FROM pg_catalog.pg_partitioned_table p

-- query: dbeaver locks
SELECT * FROM pg_catalog.pg_locks
