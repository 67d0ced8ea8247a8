package pgtest

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestStartExecCopyQuery(t *testing.T) {
	c := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	t.Logf("%s on port %d", c.Version(), c.Port())
	if !strings.Contains(c.Version(), "PostgreSQL) 15.") {
		t.Logf("warning: not PostgreSQL 15: %s", c.Version())
	}
	if err := c.Exec(ctx, "CREATE TABLE t (a int NOT NULL, b text, d date); CREATE TABLE u (x int)"); err != nil {
		t.Fatal(err)
	}
	n, err := c.CopyCSV(ctx, "t", strings.NewReader("1,\"x, \"\"quoted\"\"\",2024-02-29\n2,,1999-12-31\n"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("copied %d rows, want 2", n)
	}
	res, err := c.Query(ctx, "SELECT a, b, d, a::numeric / 3 FROM t ORDER BY a")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"1", `x, "quoted"`, "2024-02-29", "0.33333333333333333333"}, {"2", "NULL", "1999-12-31", "0.66666666666666666667"}}
	if len(res.Rows) != len(want) {
		t.Fatalf("rows %q, want %q", res.Rows, want)
	}
	for i := range want {
		if strings.Join(res.Rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d = %q, want %q", i, res.Rows[i], want[i])
		}
	}
	if got := strings.Join(res.Columns, ","); got != "a,b,d,?column?" {
		t.Errorf("columns %s", got)
	}
	if err := c.Exec(ctx, "SELECT * FROM missing_table"); err == nil || !strings.Contains(err.Error(), "missing_table") {
		t.Errorf("error for a missing table = %v", err)
	}
	// The server must listen on loopback only: connecting to the same port
	// on another local address fails.
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			ip, ok := a.(*net.IPNet)
			if !ok || ip.IP.IsLoopback() || ip.IP.To4() == nil {
				continue
			}
			conn, err := net.DialTimeout("tcp", net.JoinHostPort(ip.IP.String(), strconv.Itoa(c.Port())), time.Second)
			if err == nil {
				conn.Close()
				t.Errorf("server reachable on %s", ip.IP)
			}
		}
	}
}

func TestStopRemovesEverything(t *testing.T) {
	c := Start(t)
	dir := c.dir
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cluster directory still there after Stop: %v", err)
	}
	conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(c.Port()), time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("port %d still accepting after Stop", c.Port())
	}
	if err := c.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestShared(t *testing.T) {
	a := Shared(t)
	b := Shared(t)
	if a != b {
		t.Fatal("Shared returned two clusters")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := a.Query(ctx, "SELECT current_user, current_setting('listen_addresses'), current_setting('fsync')")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(res.Rows[0], " "); got != "postgres 127.0.0.1 off" {
		t.Errorf("settings %q", got)
	}
}
