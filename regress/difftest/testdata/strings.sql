-- String functions and operators. lower/upper/initcap only see ASCII here:
-- the reference cluster runs in the C locale, where PostgreSQL leaves other
-- letters alone.

SELECT id, length(t) AS len, char_length(t) AS clen, octet_length(t) AS olen FROM types;

SELECT id, length(c) AS len, octet_length(c) AS olen, length(vc) AS vlen FROM types;

SELECT id, lower(t) AS lo, upper(t) AS up FROM types WHERE id IN (1, 2, 4, 10, 11);

SELECT lower('ABC def'), upper('abc DEF'), initcap('hello wORLD foo-bar');

SELECT id, substring(t from 2 for 3) AS s1, substring(t from 3) AS s2, substring(t, 1, 2) AS s3 FROM types;

SELECT substring('hello' from 0 for 3), substring('hello', -1, 3), substring('hello' for 2), substr('hello', 2), substr('hello', 2, 100);

SELECT substring('héllo wörld', 2, 4), substring('日本語テキスト', 3);

SELECT position('l' in 'hello'), position('z' in 'hello'), position('' in 'abc'), strpos('hello', 'lo'), strpos('héllo', 'l');

SELECT id, position('o' in t) AS p, strpos(t, 'e') AS s FROM types;

SELECT "position"('hello', 'l'), position('lo' in 'hello'), position(t in 'one two') FROM types WHERE id = 1;

SELECT id, position('o' in t) FROM types;

SELECT trim('  padded  '), ltrim('  padded  '), rtrim('  padded  '), btrim('xxhixx', 'x'), ltrim('xxhixx', 'x'), rtrim('xxhixx', 'x');

SELECT trim(both 'x' from 'xxhixx'), trim(leading 'x' from 'xxhixx'), trim(trailing 'x' from 'xxhixx'), trim(both from '  a  ');

SELECT id, trim(t) AS tr, '[' || rtrim(t) || ']' AS rt FROM types;

SELECT replace('hello world', 'o', '0'), replace('aaa', 'a', 'bb'), replace('abc', '', 'x'), replace('abc', 'b', '');

SELECT id, replace(t, 'e', 'E') AS r FROM types;

SELECT concat('a', 'b', 'c'), concat('a', NULL, 'c'), concat(1, 2.5, true), concat_ws('-', 'a', NULL, 'b');

SELECT id, concat(t, '|', i4, '|', d) AS c FROM types;

SELECT 'a' || 'b', 'a' || NULL, NULL || 'b', 'a' || 1, 1 || 'a', 'x' || 2.50 || 'y';

SELECT id, t || '!' AS bang, vc || c AS vcc, c || '|' AS cbar FROM types;

SELECT split_part('a,b,c', ',', 1), split_part('a,b,c', ',', 3), split_part('a,b,c', ',', 4), split_part('a,b,c', ',', -1), split_part('abc', '', 1);

SELECT split_part(l_comment, ' ', 1) AS w, count(*) FROM lineitem WHERE l_orderkey < 200 GROUP BY 1;

SELECT left('hello', 2), right('hello', 2), left('hello', -1), right('hello', -1), left('hello', 0), left('héllo', 2);

SELECT id, left(t, 3) AS l3, right(t, 3) AS r3 FROM types;

SELECT lpad('7', 3, '0'), rpad('ab', 5, '*'), lpad('hello', 3), rpad('hello', 3), lpad('x', 5), lpad('ab', 7, 'xy'), rpad('', 2, 'z');

SELECT id, lpad(i4::text, 12, '.') AS lp FROM types;

SELECT starts_with('hello', 'he'), starts_with('hello', 'lo'), starts_with('', ''), starts_with('abc', '');

SELECT id, starts_with(t, 'o') AS so FROM types;

SELECT regexp_replace('abc123def45', '[0-9]+', '#'), regexp_replace('abc123def45', '[0-9]+', '#', 'g'), regexp_replace('Hello', 'l', 'L', 'g');

SELECT regexp_replace('john smith', '(\w+) (\w+)', '\2, \1'), regexp_replace('aaa', 'a*', 'X');

SELECT id, regexp_replace(t, '[aeiou]', '_', 'g') AS rr FROM types;

SELECT 'abc' ~ 'b', 'abc' ~ '^b', 'ABC' ~* 'b', 'abc' !~ 'z', 'abc' !~* 'B';

SELECT id FROM types WHERE t ~ '^[a-z]+$';

SELECT id FROM types WHERE t ~* 'upper';

SELECT count(*) FROM part WHERE p_name ~ '^(red|blue) ';

SELECT repeat('ab', 3), repeat('x', 0), reverse('abc'), reverse('héllo'), ascii('A'), chr(65), chr(233);

SELECT md5('abc'), md5('');

SELECT 'abc' < 'abd', 'abc' < 'ab', 'B' < 'a', 'é' > 'z', '' < 'a';

SELECT 'ab'::char(5) = 'ab', 'ab '::varchar = 'ab', 'ab'::char(3) || 'x', length('ab'::char(5)), octet_length('ab'::char(5));

SELECT c_phone, substring(c_phone from 1 for 2) AS cc FROM customer WHERE c_custkey <= 20;

SELECT substring(c_phone from 1 for 2) AS cc, count(*) AS n FROM customer GROUP BY substring(c_phone from 1 for 2);

SELECT p_partkey, upper(p_mfgr) AS m, length(p_comment) AS len, lower(p_brand) AS b FROM part WHERE p_partkey <= 25;

SELECT s_suppkey, trim(s_name) AS nm, s_name || '|' AS padded FROM supplier WHERE s_suppkey <= 10;

SELECT o_orderkey, o_orderpriority, o_clerk FROM orders WHERE o_orderpriority LIKE '1-%' AND o_orderkey < 500;

SELECT id, name, length(name) AS len, upper(name) AS up FROM emp;

SELECT string_agg(name, ', ' ORDER BY name) FROM emp;

SELECT translate('hello', 'el', 'ip'), to_hex(255), to_hex(-1);

SELECT quote_literal('it''s'), quote_ident('Foo'), format('%s-%s', 'a', 1);
