package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/regress/pgtest"
)

// startupPacket builds a StartupMessage with any version code, which
// pgproto3 would not encode.
func startupPacket(version uint32, params ...string) []byte {
	b := binary.BigEndian.AppendUint32(make([]byte, 4), version)
	for _, p := range params {
		b = append(append(b, p...), 0)
	}
	b = append(b, 0)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

// startupExchange sends packet to addr and describes what comes back until
// ReadyForQuery or the end: one line per message, with the fields that
// matter and without values that differ from server to server.
func startupExchange(t *testing.T, addr string, packet []byte) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := nc.Write(packet); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	if head, _ := br.Peek(6); bytes.Equal(head, []byte("EFATAL")) {
		// A protocol 2 error: 'E' and a NUL-terminated text, no length.
		text, _ := io.ReadAll(br)
		return fmt.Sprintf("v2 error %q", text[1:])
	}
	fe := pgproto3.NewFrontend(br, nc)
	var out []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			return strings.Join(out, "; ")
		}
		switch m := msg.(type) {
		case *pgproto3.ErrorResponse:
			out = append(out, fmt.Sprintf("ErrorResponse %s %s %s", m.Severity, m.Code, m.Message))
		case *pgproto3.NegotiateProtocolVersion:
			out = append(out, fmt.Sprintf("NegotiateProtocolVersion %#x %v", m.NewestMinorProtocol, m.UnrecognizedOptions))
		case *pgproto3.ParameterStatus, *pgproto3.BackendKeyData:
			// Values differ; their presence is checked elsewhere.
		case *pgproto3.ReadyForQuery:
			return strings.Join(append(out, "ReadyForQuery"), "; ")
		default:
			out = append(out, strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3."))
		}
	}
}

// startupCases are first packets and, for each, what PostgreSQL 15 answers.
var startupCases = []struct {
	name   string
	packet []byte
	want   string
}{
	{"3.0", startupPacket(3<<16, "user", "postgres"), "AuthenticationOk; ReadyForQuery"},
	{"3.2", startupPacket(3<<16|2, "user", "postgres"), "NegotiateProtocolVersion 0x30000 []; AuthenticationOk; ReadyForQuery"},
	{"grease 3.9999", startupPacket(3<<16|9999, "user", "postgres"), "NegotiateProtocolVersion 0x30000 []; AuthenticationOk; ReadyForQuery"},
	{"_pq_ options", startupPacket(3<<16, "user", "postgres", "_pq_.a", "1", "_pq_.b", "2"),
		"NegotiateProtocolVersion 0x30000 [_pq_.a _pq_.b]; AuthenticationOk; ReadyForQuery"},
	{"2.0", startupPacket(2<<16, "user", "postgres"),
		`v2 error "FATAL:  unsupported frontend protocol 2.0: server supports 3.0 to 3.0\n\x00"`},
	{"4.0", startupPacket(4<<16, "user", "postgres"),
		"ErrorResponse FATAL 0A000 unsupported frontend protocol 4.0: server supports 3.0 to 3.0"},
	{"garbage version", startupPacket(1234<<16|5677, "user", "postgres"),
		"ErrorResponse FATAL 0A000 unsupported frontend protocol 1234.5677: server supports 3.0 to 3.0"},
	{"no user", startupPacket(3<<16, "database", "postgres"),
		"ErrorResponse FATAL 28000 no PostgreSQL user name specified in startup packet"},
}

func TestStartupPackets(t *testing.T) {
	ls := startLive(t, Config{}, nil, nil)
	for _, tc := range startupCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := startupExchange(t, ls.addr, tc.packet); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	// A length below the minimum or above PostgreSQL's 10000 bytes is
	// garbage; PostgreSQL hangs up in silence, Apiary says why first.
	for _, packet := range [][]byte{{0, 0, 0, 3}, {0, 1, 0, 0, 0, 3, 0, 0}} {
		if got, want := startupExchange(t, ls.addr, packet), "ErrorResponse FATAL 08P01 invalid length of startup packet"; got != want {
			t.Errorf("length %x: got %s, want %s", packet[:4], got, want)
		}
	}
}

// TestAgainstPostgreSQL checks the startup answers and the verifier format
// against a real PostgreSQL 15.
func TestAgainstPostgreSQL(t *testing.T) {
	pg := pgtest.Start(t)
	addr := fmt.Sprintf("127.0.0.1:%d", pg.Port())
	t.Run("startup", func(t *testing.T) {
		for _, tc := range startupCases {
			if got := startupExchange(t, addr, tc.packet); got != tc.want {
				t.Errorf("%s: PostgreSQL answers\n  %s\nthe test expects\n  %s", tc.name, got, tc.want)
			}
		}
	})
	t.Run("verifiers", func(t *testing.T) {
		ctx := testCtx(t)
		// PostgreSQL stores a password given as a verifier verbatim only when
		// it parses it as one; otherwise it hashes it as a plaintext password.
		mine, err := SCRAMVerifier("apiary's password")
		if err != nil {
			t.Fatal(err)
		}
		if err := pg.Exec(ctx, "SET password_encryption = 'scram-sha-256'; CREATE ROLE from_apiary LOGIN PASSWORD '"+mine+"'; "+
			"CREATE ROLE from_postgres LOGIN PASSWORD 'postgres''s password'"); err != nil {
			t.Fatal(err)
		}
		res, err := pg.Query(ctx, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname LIKE 'from_%' ORDER BY rolname")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 2 || res.Rows[0][1] != mine {
			t.Fatalf("PostgreSQL did not keep Apiary's verifier as it is: %v", res.Rows)
		}
		// A verifier PostgreSQL made lets the password in, with either method.
		users := map[string]string{"from_postgres": res.Rows[1][1]}
		for _, method := range []AuthMethod{AuthSCRAM, AuthPassword} {
			ls := startLive(t, Config{AuthMethod: method, Users: users}, nil, nil)
			conn, err := pgx.Connect(ctx, ls.dsn("from_postgres", "postgres%27s%20password", ""))
			if err != nil {
				t.Errorf("%s with PostgreSQL's verifier: %v", method, err)
				continue
			}
			conn.Close(context.Background())
		}
	})
}

func TestBackendKeyData(t *testing.T) {
	ls := startLive(t, Config{NodeID: 5}, nil, nil)
	pids := map[uint32]bool{}
	for range 20 {
		conn, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
		if err != nil {
			t.Fatal(err)
		}
		pid, secret := conn.PgConn().PID(), conn.PgConn().SecretKey()
		if pid>>pidSeqBits != 5 || pid&(1<<pidSeqBits-1) == 0 {
			t.Errorf("PID %#x does not carry node 5 in its top bits and a non-zero sequence", pid)
		}
		if pids[pid] {
			t.Errorf("PID %d given twice", pid)
		}
		pids[pid] = true
		if len(secret) != 4 || bytes.Equal(secret, []byte{0, 0, 0, 0}) {
			t.Errorf("secret %x", secret)
		}
		defer conn.Close(context.Background())
	}
}
