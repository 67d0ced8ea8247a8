-- A psql session (regress/clients, psql_test.go): run by psql -X -a
-- -v ON_ERROR_STOP=1 in this directory, as user apiary on a new database
-- apiary, once on PostgreSQL 15 (which writes session.out) and once on
-- Apiary (which must print the same).
CREATE SCHEMA sales;
CREATE TABLE trips (id int NOT NULL, city varchar(20), fare numeric(8,2), started timestamptz, note text);
CREATE TABLE sales.orders (order_id bigint NOT NULL, amount double precision, placed date, paid boolean);
INSERT INTO trips VALUES (1, 'Lisbon', 12.50, '2024-01-02 03:04:05+00', NULL), (2, 'Porto', 7.25, '2024-01-03 10:00:00+00', 'night');
\copy sales.orders from 'orders.csv' with (format csv, header)
\l apiary
\dn
\dt
\dt sales.*
\d trips
\d+ sales.orders
SELECT city, fare, started FROM trips ORDER BY id;
SELECT count(*) AS orders, sum(amount) AS total, min(placed) AS first FROM sales.orders WHERE paid;
\copy (SELECT id, city, note FROM trips ORDER BY id) to stdout with (format csv, header)
