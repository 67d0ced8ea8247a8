// node-postgres checks for regress/clients (node_test.go). The connection
// comes from the standard PG* environment variables and the process runs
// with TZ=UTC; APIARY_CLIENT_CHECK=name runs one check only. Each check
// runs on its own connection and prints one line: "ok NAME", "fail NAME:
// why" or "skip NAME: why"; "done" ends a complete run. The checks are
// written against PostgreSQL 15 and validated there first.
'use strict';

const assert = require('assert/strict');
const { Client } = require('pg');
const Cursor = require('pg-cursor');

async function withClient(fn) {
  const client = new Client();
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function readCursor(cursor, n) {
  return new Promise((resolve, reject) => {
    cursor.read(n, (err, rows) => (err ? reject(err) : resolve(rows)));
  });
}

function closeCursor(cursor) {
  return new Promise((resolve, reject) => {
    cursor.close((err) => (err ? reject(err) : resolve()));
  });
}

const checks = {
  // A query without values goes through the simple protocol.
  async simple_query(c) {
    const r = await c.query('SELECT 1 AS one, \'a\' AS letter');
    assert.deepEqual(r.rows, [{ one: 1, letter: 'a' }]);
    assert.equal(r.fields[0].dataTypeID, 23);
    assert.equal(r.fields[1].dataTypeID, 25);
    const multi = await c.query('SELECT 1 AS x; SELECT 2 AS y');
    assert.equal(multi.length, 2);
    assert.deepEqual(multi[1].rows, [{ y: 2 }]);
  },

  // Values make node-postgres use Parse/Bind/Execute with every parameter
  // untyped (OID 0) and sent as text.
  async parameter_types(c) {
    await c.query(`CREATE TABLE np_types (i int, b bigint, f double precision, n numeric(10,2), t text,
      d date, ts timestamp, tz timestamptz, by bytea, ok boolean)`);
    const at = new Date('2024-01-02T03:04:05.678Z');
    const ins = await c.query('INSERT INTO np_types VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [42, '9007199254740993', 1.5, '12.34', 'żółw', '2024-02-29', '2024-02-29 23:59:59.5', at, Buffer.from([0, 1, 255]), true]);
    assert.equal(ins.rowCount, 1);
    await c.query('INSERT INTO np_types VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [7, null, null, null, null, null, null, null, null, null]);
    const r = await c.query('SELECT * FROM np_types WHERE i = $1', [42]);
    assert.equal(r.rows.length, 1);
    const row = r.rows[0];
    assert.equal(row.i, 42);
    assert.equal(row.b, '9007199254740993'); // int8 stays a string
    assert.equal(row.f, 1.5);
    assert.equal(row.n, '12.34');
    assert.equal(row.t, 'żółw');
    assert.equal(row.d.toISOString(), '2024-02-29T00:00:00.000Z'); // TZ=UTC
    assert.equal(row.ts.toISOString(), '2024-02-29T23:59:59.500Z');
    assert.equal(row.tz.getTime(), at.getTime());
    assert.deepEqual([...row.by], [0, 1, 255]);
    assert.equal(row.ok, true);
    const nulls = await c.query('SELECT b, f, n, t, d, ts, tz, by, ok FROM np_types WHERE i = $1', [7]);
    assert.deepEqual(Object.values(nulls.rows[0]), Array(9).fill(null));
  },

  // Parameters whose type the server must infer from their context.
  async parameter_inference(c) {
    const r = await c.query('SELECT $1::int + 1 AS x, $2 AS s, $3::numeric * 2 AS n', ['41', 'plain', '1.25']);
    assert.deepEqual(r.rows, [{ x: 42, s: 'plain', n: '2.50' }]);
    assert.equal(r.fields[1].dataTypeID, 25);
    await c.query('CREATE TABLE np_infer (id int, name text)');
    await c.query('INSERT INTO np_infer VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
    const w = await c.query('SELECT name FROM np_infer WHERE id > $1 AND name <> $2 ORDER BY id', [0, 'one']);
    assert.deepEqual(w.rows, [{ name: 'two' }]);
  },

  // A named query is parsed once and then only bound and executed.
  async named_statement(c) {
    await c.query('CREATE TABLE np_named (id int, v text)');
    await c.query('INSERT INTO np_named VALUES (1, \'a\'), (2, \'b\'), (3, \'c\')');
    for (const id of [1, 2, 3, 2]) {
      const r = await c.query({ name: 'np-get', text: 'SELECT v FROM np_named WHERE id = $1', values: [id] });
      assert.deepEqual(r.rows, [{ v: 'abc'[id - 1] }]);
    }
    const arr = await c.query({ text: 'SELECT id, v FROM np_named ORDER BY id', rowMode: 'array' });
    assert.deepEqual(arr.rows, [[1, 'a'], [2, 'b'], [3, 'c']]);
  },

  // pg-cursor reads a portal in pages: Execute with a row limit, then
  // PortalSuspended, then the next Execute.
  async cursor_pages(c) {
    await c.query('CREATE TABLE np_cursor (id int, label text)');
    const values = [];
    for (let i = 1; i <= 250; i++) values.push(`(${i}, 'row ${i}')`);
    await c.query(`INSERT INTO np_cursor VALUES ${values.join(', ')}`);
    const cursor = c.query(new Cursor('SELECT id, label FROM np_cursor ORDER BY id'));
    const sizes = [];
    let next = 1;
    for (;;) {
      const rows = await readCursor(cursor, 100);
      sizes.push(rows.length);
      for (const r of rows) {
        assert.equal(r.id, next);
        assert.equal(r.label, `row ${next}`);
        next++;
      }
      if (rows.length === 0) break;
    }
    assert.deepEqual(sizes, [100, 100, 50, 0]);
    await closeCursor(cursor);
    // A cursor with a parameter, closed before its end: the connection
    // stays usable.
    const partial = c.query(new Cursor('SELECT id FROM np_cursor WHERE id > $1 ORDER BY id', [200]));
    assert.deepEqual((await readCursor(partial, 3)).map((r) => r.id), [201, 202, 203]);
    await closeCursor(partial);
    const after = await c.query('SELECT count(*) AS n FROM np_cursor');
    assert.equal(after.rows[0].n, '250');
  },

  async transactions(c) {
    await c.query('CREATE TABLE np_tx (id int)');
    await c.query('BEGIN');
    await c.query('INSERT INTO np_tx VALUES ($1)', [1]);
    await c.query('ROLLBACK');
    await c.query('BEGIN');
    await c.query('INSERT INTO np_tx VALUES ($1)', [2]);
    await c.query('COMMIT');
    const r = await c.query('SELECT id FROM np_tx');
    assert.deepEqual(r.rows, [{ id: 2 }]);
  },

  // Errors carry the SQLSTATE and the connection stays usable.
  async errors(c) {
    await assert.rejects(c.query('SELECT * FROM np_missing'), (e) => e.code === '42P01');
    await assert.rejects(c.query('SELECT 1 / $1::int', [0]), (e) => e.code === '22012');
    await assert.rejects(c.query('SELEC 1'), (e) => e.code === '42601' && e.position === '1');
    const r = await c.query('SELECT $1::int AS ok', [1]);
    assert.equal(r.rows[0].ok, 1);
  },
};

// describe keeps what helps to read a failure: the SQLSTATE, the message
// and the line of this file that failed.
function describe(e) {
  if (!(e instanceof Error)) return String(e);
  const where = (e.stack || '').split('\n').find((l) => l.includes('client.js:') && !l.includes('node_modules'));
  const code = e.code && /^[0-9A-Z]{5}$/.test(e.code) ? `SQLSTATE ${e.code}: ` : '';
  return `${code}${e.message}${where ? ` (${where.trim()})` : ''}`;
}

async function main() {
  const only = process.env.APIARY_CLIENT_CHECK;
  for (const [name, fn] of Object.entries(checks)) {
    if (only && only !== name) continue;
    try {
      await withClient(fn);
      console.log(`ok ${name}`);
    } catch (e) {
      console.log(`fail ${name}: ${describe(e).replace(/\n/g, ' | ')}`);
    }
  }
  console.log('done');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
