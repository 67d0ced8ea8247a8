-- numeric(p,s) columns with 18 < p <= 38: stored exactly, compared,
-- grouped, summed and averaged as PostgreSQL's numeric.

SELECT id, a, b FROM wide ORDER BY id;

SELECT id FROM wide WHERE a > 1234567890123456789012345678.1234567890 ORDER BY id;

SELECT id FROM wide WHERE a > 123456789012345678901.4 ORDER BY id;

SELECT id FROM wide WHERE b = 1234567890123456789012345 ORDER BY id;

SELECT id FROM wide WHERE a < 0 ORDER BY id;

SELECT id FROM wide WHERE a BETWEEN -1 AND 2 ORDER BY id;

SELECT id FROM wide WHERE a = 1.5::numeric(5,1) ORDER BY id;

SELECT sum(a), avg(a), sum(b), avg(b), min(a), max(a), min(b), max(b), count(a) FROM wide;

SELECT k, sum(a), avg(a), sum(b), avg(b), count(*) FROM wide GROUP BY k ORDER BY k;

SELECT b, count(*) FROM wide GROUP BY b ORDER BY b;

SELECT a, b FROM wide ORDER BY a DESC NULLS LAST, id;

SELECT id, a * 2, a / 3, a + b, b - 1, -a, abs(b) FROM wide WHERE id IN (1, 4, 5, 7) ORDER BY id;

SELECT id, round(a, 2), trunc(a), ceil(a), floor(a), sign(b) FROM wide WHERE a IS NOT NULL ORDER BY id;

SELECT id, a::numeric(30,2), b::numeric(38,5), b::text FROM wide WHERE id <> 3 ORDER BY id;

SELECT id, a::float8 FROM wide WHERE id IN (4, 5, 7) ORDER BY id;

SELECT w1.id, w2.id FROM wide w1 JOIN wide w2 ON w1.b = w2.b AND w1.id < w2.id ORDER BY 1, 2;

SELECT '12.345'::numeric(20,2), (-12.345)::numeric(20,2), 5::numeric(19,18), 123456789012345678901::numeric(21,0);

-- error 22003
SELECT 1234567890123456789.5::numeric(20,2);

-- error 22003
SELECT 999999999999999999.995::numeric(20,2);

-- error 22003
SELECT 12::numeric(19,18);

-- error 22003
INSERT INTO wide (id, a) VALUES (99, 1e28);

SELECT id, k, sum(a) OVER (PARTITION BY k ORDER BY id) FROM wide ORDER BY id;
