package difftest

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// selectLike matches the corpus queries that only read: those are run a
// second time through the extended protocol.
var selectLike = regexp.MustCompile(`(?is)^\s*(select|with|values|\()`)

// TestExtendedProtocol runs every read-only corpus query on Apiary twice:
// through the simple protocol (text results, which TestDiff compares with
// PostgreSQL) and through the extended protocol as pgx drives it by
// default: Parse, Describe, Bind asking binary results for every column,
// Execute. The values pgx decodes from both must agree, which checks the
// extended protocol end to end and every binary encoder against the text
// output PostgreSQL already vouches for.
func TestExtendedProtocol(t *testing.T) {
	queries, pending := corpusAndPending(t)
	env := Open(t)
	ctx := context.Background()
	simple, err := env.connectApiary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer simple.Close(ctx)
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", env.Addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeCacheDescribe
	extended, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer extended.Close(ctx)

	checked := 0
	for _, q := range queries {
		if q.Skip != "" || q.Error != "" || q.Statement || pending.Has(q.ID()) || !selectLike.MatchString(q.SQL) {
			// Statements change session state (SET TimeZone ...) the
			// simple run already applied; run them on both connections.
			if q.Statement {
				_, _ = simple.Exec(ctx, q.SQL, pgx.QueryExecModeSimpleProtocol)
				_, _ = extended.Exec(ctx, q.SQL, pgx.QueryExecModeSimpleProtocol)
			}
			continue
		}
		want, werr := decodedRows(ctx, simple, q.SQL, pgx.QueryExecModeSimpleProtocol, q.Ordered)
		got, gerr := decodedRows(ctx, extended, q.SQL, pgx.QueryExecModeCacheDescribe, q.Ordered)
		var pgErr *pgconn.PgError
		if errors.Is(werr, errSkip) || werr != nil && !errors.As(werr, &pgErr) {
			// pgx itself cannot decode the text form (it rejects "char"
			// values PostgreSQL prints as octal escapes): nothing to
			// compare.
			continue
		}
		switch {
		case werr != nil && gerr != nil:
			if sqlstate(werr) != sqlstate(gerr) {
				t.Errorf("%s: simple protocol fails with %v, extended with %v", q.ID(), werr, gerr)
			}
			continue
		case werr != nil || gerr != nil:
			t.Errorf("%s: simple protocol: %v; extended protocol: %v\n%s", q.ID(), werr, gerr, q.SQL)
			continue
		}
		checked++
		if len(got) != len(want) {
			t.Errorf("%s: %d rows through the extended protocol, %d through the simple one\n%s", q.ID(), len(got), len(want), q.SQL)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: row %d differs\n extended: %s\n   simple: %s\n%s", q.ID(), i, got[i], want[i], q.SQL)
				break
			}
		}
	}
	t.Logf("%d queries agree through both protocols", checked)
	if checked < 300 {
		t.Errorf("only %d queries were compared: the corpus filter is broken", checked)
	}
}

const recordOID = 2249

var errSkip = errors.New("skip")

func sqlstate(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return err.Error()
}

// decodedRows runs sql and renders each row from the values pgx decoded,
// normalised so that text and binary decodings of one value print alike.
func decodedRows(ctx context.Context, conn *pgx.Conn, sql string, mode pgx.QueryExecMode, ordered bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	rows, err := conn.Query(ctx, sql, mode)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for _, f := range rows.FieldDescriptions() {
		if f.DataTypeOID == recordOID {
			// pgx decodes a record's text as a string and its binary
			// form as a slice: there is no common ground to compare.
			return nil, errSkip
		}
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = normalizeValue(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !ordered {
		sort.Strings(out)
	}
	return out, nil
}

func normalizeValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case pgtype.Numeric:
		if !x.Valid {
			return "NULL"
		}
		if x.NaN {
			return "NaN"
		}
		if x.InfinityModifier != pgtype.Finite {
			return fmt.Sprint(x.InfinityModifier)
		}
		r := new(big.Rat).SetInt(x.Int)
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(x.Exp))), nil)
		if x.Exp < 0 {
			r.Quo(r, new(big.Rat).SetInt(scale))
		} else {
			r.Mul(r, new(big.Rat).SetInt(scale))
		}
		return r.RatString()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case pgtype.Date:
		return fmt.Sprint(x.Time.Format(time.DateOnly), x.InfinityModifier)
	case pgtype.Time:
		return fmt.Sprint(x.Microseconds)
	}
	return fmt.Sprintf("%T %v", v, v)
}

func abs(n int32) int32 {
	if n < 0 {
		return -n
	}
	return n
}
