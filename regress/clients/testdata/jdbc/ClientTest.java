import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.postgresql.PGResultSetMetaData;

/**
 * pgJDBC checks for regress/clients (jdbc_test.go).
 *
 * <p>Usage: java -Duser.timezone=UTC ClientTest JDBC-URL SUFFIX. The Go test
 * runs it twice per server: with the driver's defaults, and with
 * prepareThreshold=1, which makes pgJDBC use named server-side statements
 * and binary results from the second execution on. SUFFIX keeps the tables
 * of the two runs apart. Each check runs on its own connection and prints
 * "ok NAME" or "fail NAME: why"; "done" ends a complete run;
 * APIARY_CLIENT_CHECK=NAME runs one check. The checks are written against
 * PostgreSQL 15 and validated there first.
 */
public class ClientTest {
    interface Check {
        void run(Connection c) throws Exception;
    }

    static String url;
    static String sfx;

    public static void main(String[] args) throws Exception {
        url = args[0];
        sfx = args[1];
        Map<String, Check> checks = new LinkedHashMap<>();
        checks.put("prepared_parameters", ClientTest::preparedParameters);
        checks.put("batch_insert", ClientTest::batchInsert);
        checks.put("fetch_size", ClientTest::fetchSize);
        checks.put("transactions", ClientTest::transactions);
        checks.put("errors", ClientTest::errors);
        checks.put("metadata_catalogs", ClientTest::catalogs);
        checks.put("metadata_schemas", ClientTest::schemas);
        checks.put("metadata_tables", ClientTest::tables);
        checks.put("metadata_columns", ClientTest::columns);
        checks.put("metadata_primary_keys", ClientTest::primaryKeys);
        checks.put("metadata_type_info", ClientTest::typeInfo);
        checks.put("result_set_metadata", ClientTest::resultSetMetaData);
        String only = System.getenv("APIARY_CLIENT_CHECK");
        for (Map.Entry<String, Check> e : checks.entrySet()) {
            if (only != null && !only.isEmpty() && !only.equals(e.getKey())) {
                continue;
            }
            try (Connection c = DriverManager.getConnection(url)) {
                e.getValue().run(c);
                System.out.println("ok " + e.getKey());
            } catch (Throwable t) {
                System.out.println("fail " + e.getKey() + ": " + describe(t));
            }
            System.out.flush();
        }
        System.out.println("done");
    }

    /** The failure with its SQLSTATE and the line of this file that failed. */
    static String describe(Throwable t) {
        StringBuilder b = new StringBuilder();
        if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
            b.append("SQLSTATE ").append(((SQLException) t).getSQLState()).append(": ");
        }
        b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        for (StackTraceElement el : t.getStackTrace()) {
            if (el.getClassName().startsWith("ClientTest")) {
                b.append(" (line ").append(el.getLineNumber()).append(")");
                break;
            }
        }
        return b.toString().replace("\n", " | ");
    }

    static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    static void equal(Object got, Object want, String what) {
        if (!Objects.equals(got, want)) {
            throw new AssertionError(what + ": got " + got + ", want " + want);
        }
    }

    static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static long count(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String typesTable() {
        return "jd_types_" + sfx;
    }

    static void createTypesTable(Connection c) throws SQLException {
        exec(c, "CREATE TABLE IF NOT EXISTS " + typesTable() + " (id int NOT NULL, name varchar(40), amount numeric(10,2), big bigint,"
                + " f double precision, day date, at timestamp, atz timestamptz, flag boolean, raw bytea)");
    }

    static final OffsetDateTime AT_TZ = OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 678_000_000, ZoneOffset.UTC);

    static void preparedParameters(Connection c) throws Exception {
        createTypesTable(c);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + typesTable() + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setInt(1, 1);
            ps.setString(2, "żółw");
            ps.setBigDecimal(3, new BigDecimal("12.34"));
            ps.setLong(4, 1L << 40);
            ps.setDouble(5, 1.5);
            ps.setDate(6, Date.valueOf("2024-02-29"));
            ps.setTimestamp(7, Timestamp.valueOf("2024-02-29 23:59:59.5"));
            ps.setObject(8, AT_TZ);
            ps.setBoolean(9, true);
            ps.setBytes(10, new byte[] {0, 1, (byte) 255});
            equal(ps.executeUpdate(), 1, "insert count");
            ps.setInt(1, 2);
            int[] nullTypes = {Types.VARCHAR, Types.NUMERIC, Types.BIGINT, Types.DOUBLE, Types.DATE, Types.TIMESTAMP,
                Types.TIMESTAMP_WITH_TIMEZONE, Types.BOOLEAN, Types.BINARY};
            for (int i = 0; i < nullTypes.length; i++) {
                ps.setNull(i + 2, nullTypes[i]);
            }
            equal(ps.executeUpdate(), 1, "insert NULLs");
        }
        // Several executions: with prepareThreshold=1 the later ones use a
        // named statement and binary results.
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM " + typesTable() + " WHERE id = ?")) {
            for (int run = 0; run < 4; run++) {
                ps.setInt(1, 1);
                try (ResultSet rs = ps.executeQuery()) {
                    check(rs.next(), "row 1 missing (run " + run + ")");
                    equal(rs.getString("name"), "żółw", "varchar");
                    equal(rs.getBigDecimal("amount"), new BigDecimal("12.34"), "numeric");
                    equal(rs.getLong("big"), 1L << 40, "bigint");
                    equal(rs.getDouble("f"), 1.5, "double");
                    equal(rs.getDate("day").toString(), "2024-02-29", "date");
                    equal(rs.getTimestamp("at").toString(), "2024-02-29 23:59:59.5", "timestamp");
                    equal(rs.getObject("atz", OffsetDateTime.class).toInstant(), AT_TZ.toInstant(), "timestamptz");
                    equal(rs.getBoolean("flag"), true, "boolean");
                    equal(Arrays.toString(rs.getBytes("raw")), "[0, 1, -1]", "bytea");
                    check(!rs.next(), "one row expected");
                }
                ps.setInt(1, 2);
                try (ResultSet rs = ps.executeQuery()) {
                    check(rs.next(), "row 2 missing");
                    for (String col : new String[] {"name", "amount", "big", "f", "day", "at", "atz", "flag", "raw"}) {
                        rs.getObject(col);
                        check(rs.wasNull(), col + " is not NULL");
                    }
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + typesTable() + " WHERE name = ? AND day < ? AND atz = ?")) {
            ps.setString(1, "żółw");
            ps.setDate(2, Date.valueOf("2025-01-01"));
            ps.setObject(3, AT_TZ);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                equal(rs.getLong(1), 1L, "filter with parameters");
            }
        }
    }

    static void batchInsert(Connection c) throws Exception {
        String t = "jd_batch_" + sfx;
        exec(c, "CREATE TABLE " + t + " (id int, label text)");
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " VALUES (?, ?)")) {
            for (int i = 0; i < 50; i++) {
                ps.setInt(1, i);
                ps.setString(2, "label " + i);
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            equal(counts.length, 50, "batch results");
        }
        equal(count(c, t), 50L, "rows");
    }

    /** setFetchSize with autocommit off reads through a portal in pages (Execute with a row limit). */
    static void fetchSize(Connection c) throws Exception {
        String t = "jd_fetch_" + sfx;
        exec(c, "CREATE TABLE " + t + " (id int, label text)");
        StringBuilder values = new StringBuilder();
        for (int i = 1; i <= 1000; i++) {
            values.append(i > 1 ? ", " : "").append("(").append(i).append(", 'row ").append(i).append("')");
        }
        exec(c, "INSERT INTO " + t + " VALUES " + values);
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT id, label FROM " + t + " WHERE id > ? ORDER BY id")) {
            ps.setFetchSize(100);
            ps.setInt(1, 0);
            try (ResultSet rs = ps.executeQuery()) {
                int next = 1;
                while (rs.next()) {
                    equal(rs.getInt(1), next, "id");
                    equal(rs.getString(2), "row " + next, "label");
                    next++;
                }
                equal(next - 1, 1000, "rows read");
            }
        }
        // A query read only partly, then closed: the transaction goes on.
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM " + t + " ORDER BY id")) {
            ps.setFetchSize(10);
            try (ResultSet rs = ps.executeQuery()) {
                for (int i = 1; i <= 15; i++) {
                    check(rs.next(), "row " + i);
                    equal(rs.getInt(1), i, "id");
                }
            }
        }
        equal(count(c, t), 1000L, "count in the same transaction");
        c.commit();
    }

    static void transactions(Connection c) throws Exception {
        String t = "jd_tx_" + sfx;
        exec(c, "CREATE TABLE " + t + " (id int)");
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " VALUES (?)")) {
            ps.setInt(1, 1);
            ps.executeUpdate();
            c.rollback();
            equal(count(c, t), 0L, "after rollback");
            ps.setInt(1, 2);
            ps.executeUpdate();
            c.commit();
            ps.setInt(1, 3);
            ps.executeUpdate();
            Savepoint sp = c.setSavepoint();
            ps.setInt(1, 4);
            ps.executeUpdate();
            c.rollback(sp);
            c.commit();
        }
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id FROM " + t + " ORDER BY id")) {
            List<Integer> ids = new ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
            equal(ids.toString(), "[2, 3]", "committed rows");
        }
        c.commit();
    }

    static void errors(Connection c) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM jd_missing WHERE id = ?")) {
            ps.setInt(1, 1);
            ps.executeQuery();
            throw new AssertionError("no error for a missing table");
        } catch (SQLException e) {
            equal(e.getSQLState(), "42P01", "SQLSTATE");
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT 1 / ?")) {
            ps.setInt(1, 0);
            ps.executeQuery();
            throw new AssertionError("no error for a division by zero");
        } catch (SQLException e) {
            equal(e.getSQLState(), "22012", "SQLSTATE");
        }
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT * FROM jd_missing");
        } catch (SQLException e) {
            equal(e.getSQLState(), "42P01", "SQLSTATE in a transaction");
        }
        try (Statement s = c.createStatement()) {
            s.executeQuery("SELECT 1");
            throw new AssertionError("a failed transaction accepted a query");
        } catch (SQLException e) {
            equal(e.getSQLState(), "25P02", "SQLSTATE in a failed transaction");
        }
        c.rollback();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT 1")) {
            check(rs.next() && rs.getInt(1) == 1, "usable after rollback");
        }
    }

    static List<String> column(ResultSet rs, String name) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                out.add(rs.getString(name));
            }
        }
        return out;
    }

    static void catalogs(Connection c) throws Exception {
        List<String> names = column(c.getMetaData().getCatalogs(), "TABLE_CAT");
        check(names.contains("apiary"), "getCatalogs " + names + " lacks apiary");
    }

    static void schemas(Connection c) throws Exception {
        exec(c, "CREATE SCHEMA IF NOT EXISTS jdbc_" + sfx);
        DatabaseMetaData md = c.getMetaData();
        List<String> all = column(md.getSchemas(), "TABLE_SCHEM");
        check(all.contains("public") && all.contains("jdbc_" + sfx), "getSchemas " + all);
        List<String> some = column(md.getSchemas(null, "jdbc\\_" + sfx), "TABLE_SCHEM");
        equal(some.toString(), "[jdbc_" + sfx + "]", "getSchemas with a pattern");
        equal(md.getSchemaTerm(), "schema", "schema term");
    }

    static void tables(Connection c) throws Exception {
        createTypesTable(c);
        exec(c, "CREATE SCHEMA IF NOT EXISTS jdbc_" + sfx);
        exec(c, "CREATE TABLE IF NOT EXISTS jdbc_" + sfx + ".other (x int)");
        DatabaseMetaData md = c.getMetaData();
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = md.getTables(null, "public", typesTable(), new String[] {"TABLE"})) {
            while (rs.next()) {
                rows.add(rs.getString("TABLE_CAT") + "|" + rs.getString("TABLE_SCHEM") + "|" + rs.getString("TABLE_NAME") + "|"
                        + rs.getString("TABLE_TYPE"));
            }
        }
        equal(rows.toString(), "[null|public|" + typesTable() + "|TABLE]", "getTables in public");
        List<String> other = column(md.getTables(null, "jdbc_" + sfx, "%", null), "TABLE_NAME");
        equal(other.toString(), "[other]", "getTables in another schema");
        List<String> types = column(md.getTableTypes(), "TABLE_TYPE");
        check(types.contains("TABLE") && types.contains("VIEW"), "getTableTypes " + types);
    }

    static void columns(Connection c) throws Exception {
        createTypesTable(c);
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getColumns(null, "public", typesTable(), "%")) {
            while (rs.next()) {
                rows.add(rs.getInt("ORDINAL_POSITION") + " " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME") + " "
                        + rs.getInt("DATA_TYPE") + " " + rs.getInt("COLUMN_SIZE") + " " + rs.getInt("DECIMAL_DIGITS") + " "
                        + rs.getInt("NULLABLE") + " " + rs.getString("IS_NULLABLE"));
            }
        }
        List<String> want = Arrays.asList(
                "1 id int4 4 10 0 0 NO",
                "2 name varchar 12 40 0 1 YES",
                "3 amount numeric 2 10 2 1 YES",
                "4 big int8 -5 19 0 1 YES",
                "5 f float8 8 17 17 1 YES",
                "6 day date 91 13 0 1 YES",
                "7 at timestamp 93 29 6 1 YES",
                "8 atz timestamptz 93 35 6 1 YES",
                "9 flag bool -7 1 0 1 YES",
                "10 raw bytea -2 2147483647 0 1 YES");
        equal(String.join("\n", rows), String.join("\n", want), "getColumns");
    }

    static void primaryKeys(Connection c) throws Exception {
        String t = "jd_pk_" + sfx;
        exec(c, "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)");
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "public", t)) {
            while (rs.next()) {
                rows.add(rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + " " + rs.getInt("KEY_SEQ"));
            }
        }
        equal(rows.toString(), "[" + t + ".id 1]", "getPrimaryKeys");
    }

    static void typeInfo(Connection c) throws Exception {
        Map<String, Integer> types = new LinkedHashMap<>();
        try (ResultSet rs = c.getMetaData().getTypeInfo()) {
            while (rs.next()) {
                types.put(rs.getString("TYPE_NAME"), rs.getInt("DATA_TYPE"));
            }
        }
        Map<String, Integer> want = new LinkedHashMap<>();
        want.put("bool", Types.BIT);
        want.put("int2", Types.SMALLINT);
        want.put("int4", Types.INTEGER);
        want.put("int8", Types.BIGINT);
        want.put("float4", Types.REAL);
        want.put("float8", Types.DOUBLE);
        want.put("numeric", Types.NUMERIC);
        want.put("text", Types.VARCHAR);
        want.put("varchar", Types.VARCHAR);
        want.put("bytea", Types.BINARY);
        want.put("date", Types.DATE);
        want.put("timestamp", Types.TIMESTAMP);
        want.put("timestamptz", Types.TIMESTAMP);
        for (Map.Entry<String, Integer> e : want.entrySet()) {
            equal(types.get(e.getKey()), e.getValue(), "getTypeInfo DATA_TYPE of " + e.getKey());
        }
    }

    static void resultSetMetaData(Connection c) throws Exception {
        createTypesTable(c);
        try (PreparedStatement ps = c.prepareStatement("SELECT id, name, amount, atz, raw, 1 + id AS computed FROM " + typesTable() + " WHERE id = ?")) {
            ps.setInt(1, -1);
            for (int run = 0; run < 2; run++) {
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    equal(md.getColumnCount(), 6, "column count");
                    List<String> got = new ArrayList<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        got.add(md.getColumnName(i) + " " + md.getColumnTypeName(i) + " " + md.getColumnType(i) + " " + md.getPrecision(i)
                                + " " + md.getScale(i) + " " + md.isNullable(i) + " " + md.getColumnClassName(i));
                    }
                    List<String> want = Arrays.asList(
                            "id int4 4 10 0 0 java.lang.Integer",
                            "name varchar 12 40 0 1 java.lang.String",
                            "amount numeric 2 10 2 1 java.math.BigDecimal",
                            "atz timestamptz 93 35 6 1 java.sql.Timestamp",
                            "raw bytea -2 2147483647 0 1 [B",
                            "computed int4 4 10 0 2 java.lang.Integer");
                    equal(String.join("\n", got), String.join("\n", want), "ResultSetMetaData (run " + run + ")");
                    equal(md.getTableName(1), typesTable(), "getTableName");
                    // Both come from the column's table OID and attnum, through pg_class and pg_namespace.
                    equal(md.unwrap(PGResultSetMetaData.class).getBaseSchemaName(1), "public", "getBaseSchemaName");
                }
            }
        }
    }
}
