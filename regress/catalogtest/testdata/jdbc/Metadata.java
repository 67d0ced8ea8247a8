import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;

// Metadata makes the DatabaseMetaData calls BI tools make at connect and
// sync time, so that the statements pgJDBC sends for them can be captured
// from PostgreSQL's log (regress/catalogtest, TestGenerateClientQueries)
// and replayed against Apiary. Arguments: JDBC URL, user, table.
public class Metadata {
    static int drain(ResultSet rs) throws Exception {
        int n = 0;
        int cols = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            for (int i = 1; i <= cols; i++) {
                rs.getString(i);
            }
            n++;
        }
        rs.close();
        return n;
    }

    public static void main(String[] args) throws Exception {
        Connection c = DriverManager.getConnection(args[0], args[1], "");
        String table = args[2];
        DatabaseMetaData md = c.getMetaData();
        System.out.println("catalogs " + drain(md.getCatalogs()));
        System.out.println("schemas " + drain(md.getSchemas()));
        System.out.println("schemas like " + drain(md.getSchemas(c.getCatalog(), "pub%")));
        System.out.println("tables " + drain(md.getTables(c.getCatalog(), null, "%", new String[] {"TABLE", "VIEW"})));
        System.out.println("all tables " + drain(md.getTables(null, null, null, null)));
        System.out.println("table types " + drain(md.getTableTypes()));
        System.out.println("columns " + drain(md.getColumns(c.getCatalog(), "public", table, null)));
        System.out.println("columns like " + drain(md.getColumns(null, "pub%", "%", "%")));
        System.out.println("primary keys " + drain(md.getPrimaryKeys(c.getCatalog(), "public", table)));
        System.out.println("imported keys " + drain(md.getImportedKeys(c.getCatalog(), "public", table)));
        System.out.println("exported keys " + drain(md.getExportedKeys(c.getCatalog(), "public", table)));
        System.out.println("index info " + drain(md.getIndexInfo(c.getCatalog(), "public", table, false, true)));
        System.out.println("type info " + drain(md.getTypeInfo()));
        System.out.println("functions " + drain(md.getFunctions(null, "pg_catalog", "lower")));
        System.out.println("procedures " + drain(md.getProcedures(null, "public", "%")));
        System.out.println("udts " + drain(md.getUDTs(null, null, "%", null)));
        System.out.println("table privileges " + drain(md.getTablePrivileges(null, "public", table)));
        System.out.println("version " + md.getDatabaseProductVersion());
        System.out.println("keywords " + md.getSQLKeywords().length());
        System.out.println("isolation " + c.getTransactionIsolation());
        System.out.println("schema " + c.getSchema());
        // Type resolution for result columns, and ResultSetMetaData's
        // follow-up queries (nullability, auto-increment, base names).
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT * FROM " + table);
        ResultSetMetaData rsmd = rs.getMetaData();
        for (int i = 1; i <= rsmd.getColumnCount(); i++) {
            rsmd.getColumnTypeName(i);
            rsmd.isNullable(i);
            rsmd.isAutoIncrement(i);
            org.postgresql.PGResultSetMetaData pg = (org.postgresql.PGResultSetMetaData) rsmd;
            pg.getBaseColumnName(i);
            pg.getBaseTableName(i);
            pg.getBaseSchemaName(i);
        }
        drain(rs);
        PreparedStatement ps = c.prepareStatement("SELECT ?::interval, ?::numeric, '{1,2}'::int4[]");
        ps.setString(1, "1 day");
        ps.setBigDecimal(2, new java.math.BigDecimal("12.50"));
        rs = ps.executeQuery();
        rsmd = rs.getMetaData();
        for (int i = 1; i <= rsmd.getColumnCount(); i++) {
            rsmd.getColumnTypeName(i);
            rsmd.getColumnClassName(i);
        }
        drain(rs);
        c.close();
    }
}
