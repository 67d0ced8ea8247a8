-- Arithmetic, operator precedence and the math functions.

SELECT 2 + 3 * 4, (2 + 3) * 4, 10 - 2 - 3, 2 * 3 % 4;

SELECT 7 / 2, -7 / 2, 7 % 3, -7 % 3, 7 % -3;

SELECT 7.0 / 2, 7 / 2.0, 7::float8 / 2, 1.0 / 3;

SELECT 1.50 + 2.5, 0.1 + 0.2, 1.25 * 4, 10.00 - 0.001;

SELECT 2 ^ 10, 2.0 ^ 3, -2 ^ 2;

SELECT -5, - -5, +5, -(3 - 5);

SELECT id, i4 + 1 AS plus, i4 - 1 AS minus, i4 * 2 AS times, i4 / 3 AS div, i4 % 3 AS rem FROM types WHERE id IN (1, 2, 6, 8, 9, 10, 11);

SELECT id, i2 + i2 AS s2, i2 * 10 AS m2, i8 * 2 AS m8 FROM types WHERE id IN (1, 2, 6, 9, 12);

SELECT id, n * 2 AS n2, n + n6 AS nn, n - 1 AS n1, n * n AS sq FROM types WHERE id <> 4 AND id <> 5;

SELECT id, n / 3 AS third, n6 / 7 AS seventh FROM types WHERE n IS NOT NULL AND id NOT IN (4, 5);

SELECT id, f8 * 2 AS f2, f8 / 3 AS f3, f8 + 0.5 AS fh, f8 - f8 AS z FROM types WHERE id NOT IN (4, 5);

SELECT id, f4 * 2 AS f2, f4 + 1 AS f1 FROM types WHERE id NOT IN (4, 5);

SELECT id, i4 + n AS mixed, i4 * 1.5 AS lit, i2 + i8 AS wide, i4 + f8 AS fl FROM types WHERE id IN (1, 2, 6, 9, 11);

SELECT 2147483647::int8 + 1, 32767::int4 + 1, 9007199254740993::int8 * 1;

SELECT 123456789::int8 * 1000, -123456789::int8 * -1000;

SELECT abs(-5), abs(5), abs(-2.50), abs(-1.5::float8), abs(0);

SELECT id, abs(i4) AS a4, abs(n) AS an, abs(f8) AS af FROM types WHERE id IN (1, 2, 6, 10);

SELECT round(2.5), round(-2.5), round(2.4), round(1.2345, 2), round(-1.2355, 3), round(1234.5, -2);

SELECT round(2.5::float8), round(3.5::float8), round(-2.5::float8), round(0.5::float8);

SELECT id, round(n) AS r0, round(n, 1) AS r1, round(n6, 3) AS r3 FROM types WHERE n IS NOT NULL;

SELECT trunc(2.7), trunc(-2.7), trunc(1.2399, 2), trunc(2.7::float8), trunc(-2.7::float8);

SELECT floor(2.7), floor(-2.7), ceil(2.1), ceil(-2.1), ceiling(2.0), floor(-0.5::float8), ceil(-0.5::float8);

SELECT power(2, 10), power(2.0, 3), power(9, 0.5), power(2, -1);

SELECT sqrt(2), sqrt(16.0), sqrt(0), sqrt(1e10);

SELECT mod(7, 3), mod(-7, 3), mod(7, -3), mod(7.5, 2), mod(-7.5, 2);

SELECT ln(10), ln(2.718281828459045), exp(1), exp(0), exp(2.0);

SELECT sign(-3), sign(0), sign(4), sign(-2.5), sign(0.0), sign(2.5::float8);

SELECT div(7, 2), div(-7, 2), div(7.5, 2);

SELECT greatest(1, 5, 3), least(1, 5, 3), greatest(1, NULL, 2), least(NULL::int, NULL), greatest('a', 'b', 'B');

SELECT id, greatest(i4, 0) AS g, least(n, 0) AS l, greatest(d, '2000-01-01') AS gd FROM types;

SELECT 5 & 3, 5 | 3, 5 # 3, ~5, 1 << 4, 256 >> 2;

SELECT id, f8 + 1 AS p, f8 * 0 AS z, -f8 AS neg FROM specials;

SELECT id, f4 * 2 AS f2, f4 - f4 AS z FROM specials;

SELECT 'NaN'::float8 = 'NaN'::float8, 'NaN'::float8 > 'Infinity'::float8, '-0'::float8 = 0;

SELECT 0.1::float8 + 0.2::float8, 1::float8 / 3, 2::float8 / 3, 100::float8 / 7;

SELECT 1::real / 3, 2::real / 3, 0.1::real, 16777217::real;

SELECT 1e-5::float8, 1e15::float8, 1e16::float8, 123456789012345678::float8, 0.0001::float8;

SELECT sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) FROM lineitem WHERE l_orderkey < 100;

SELECT l_orderkey, l_linenumber, l_extendedprice * (1 - l_discount) AS disc FROM lineitem WHERE l_orderkey < 40;

SELECT ps_partkey, ps_suppkey, ps_supplycost * ps_availqty AS value FROM partsupp WHERE ps_partkey <= 10;

SELECT 10 - 3 + 2, 2 * 3 + 4 * 5, 100 / 10 / 5, 2 + 3 * 4 - 5 / 2;

SELECT 1.5 * 2 = 3, 0.1 + 0.2 = 0.3, 0.1::float8 + 0.2::float8 = 0.3::float8;

SELECT 9223372036854775807, -9223372036854775807, 2147483648, -2147483649;

SELECT 12345678901234567890, 0.000000001, 1.00000000000000000001;

SELECT 5 / 2 * 2, 5 * 2 / 2, 5.0 / 2 * 2;

SELECT @ -5, |/ 16.0;

-- The prefix operators bind below + and * and above comparisons; @ keeps
-- its operand's type, |/ and ||/ take and return double precision.
SELECT @ -5 + 3, |/ 16 + 9, 2 * @ -3, @ -3 * 2, ||/ -8, @ -5.5, @ -2::int2, @ -1.5::real, @ -1 < 2, |/ 4 ^ 2;

SELECT pg_typeof(@ -5), pg_typeof(@ 1.5), pg_typeof(@ -5::int8), pg_typeof(|/ 16.0), pg_typeof(||/ 27), @5, |/ NULL, @ NULL;

SELECT id, @ i2 AS a2, @ i4 AS a4, @ n AS an, @ f8 AS af, |/ @ f8 AS rf, ||/ i4 AS ci FROM types WHERE id <> 5;

SELECT id FROM types WHERE @ n > 100 ORDER BY @ n DESC, id;

-- error 2201F
SELECT |/ -4;

-- error 42883
SELECT @ 'a'::text;

-- error 22003
SELECT @ i2 FROM types WHERE id = 5;

-- The prefix operators in join conditions and window clauses, and a
-- comment inside OPERATOR(...).
SELECT a.id, b.id, sum(@ a.n) OVER (PARTITION BY @ a.n > 2 ORDER BY |/ @ a.f8, a.id ROWS BETWEEN @ -1 PRECEDING AND CURRENT ROW) AS s FROM types a JOIN types b ON @ a.n = @ b.n AND ||/ a.id = ||/ b.id;

SELECT OPERATOR(/* c */ pg_catalog.|/) 16, 3 OPERATOR(pg_catalog.+ /* c */) 4;

-- Float operators fail as PostgreSQL's do: finite operands whose sum,
-- difference, product or quotient is infinite overflow, non-zero ones
-- whose product or quotient is zero underflow; infinite and NaN operands
-- give IEEE's answers, and NaN / 0 is NaN.
-- error 22003
SELECT f8 * 10 FROM types WHERE id = 4;

-- error 22003
SELECT f8 - 1e308 FROM types WHERE id = 5;

-- error 22003
SELECT f8 * f8 FROM types WHERE id = 8;

-- error 22003
SELECT f4 * f4 FROM types WHERE id = 8;

-- error 22003
SELECT 1e-308::float8 / 1e308::float8;

-- error 22003
SELECT f4 / 1e30::real FROM types WHERE id = 8;

-- error 22003
SELECT f4 + f4 FROM types WHERE id = 4;

SELECT id, f8 * 0 AS p, f8 - f8 AS d, 1 / f8 AS r, f4 * 0 AS p4 FROM specials WHERE id < 4;

SELECT f8 / 0, f4 / 0 FROM specials WHERE id = 1;

SELECT id, f8 * 2, f8 / 3, f4 - 1, f8 * f8 FROM types WHERE id NOT IN (4, 5, 8);

SELECT 0 * 1e-300::float8, 'NaN'::real / 0, -0::float8 * 5;

-- error 22012
SELECT f8 / 0 FROM specials WHERE id = 6;

-- error 42883
SELECT 1.5::float8 % 2;

-- error 42883
SELECT f4 % 2.5 FROM types WHERE false;

-- Operators PostgreSQL reads as one token (a run of operator characters
-- that ends in + or - only where it holds one of ~ ! @ # % ^ & | ` ?) and
-- has none of for these types.
-- error 42883
SELECT @-5;

-- error 42883
SELECT 2 * ~-i4 + 1 FROM types;

-- error 42883
SELECT i4 @- 1 FROM types WHERE false;

-- error 42883
SELECT |/-4;

-- error 42883
SELECT 7 // 2;

-- error 42883
SELECT !5;

-- error 42883
SELECT 1*@2;

-- error 42883
SELECT 2^-1;

-- error 42883
SELECT i4 #- 2 FROM types;

SELECT 1 =- 2, 1 <- 2, 2*-3, 1 <>- 1, 5 +- 2;

SELECT t ^@ 'on' AS s, t ~~ 'o%' AS l, t !~~ '%e' AS nl, t ~~* 'O%' AS il, t !~~* 'T%' AS nil FROM types ORDER BY id;
