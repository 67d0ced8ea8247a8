package clients

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/apiarydb/apiary/internal/testenv"
)

// pythonWithPsycopg returns a Python 3 that imports psycopg: Debian's
// /usr/bin/python3 with python3-psycopg first (a pyenv python3 earlier on
// PATH usually lacks it), then python3 on PATH.
func pythonWithPsycopg(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(p)
		if err != nil {
			continue
		}
		if exec.Command(path, "-c", "import psycopg").Run() == nil {
			return path
		}
	}
	testenv.Missing(t, "psycopg 3", "no python3 imports psycopg; install python3-psycopg (.ci/run does)")
	return ""
}

// TestPsycopg runs testdata/psycopg/client.py on both servers; on Apiary
// it also decodes the Arrow streams the apiary package fetched.
func TestPsycopg(t *testing.T) {
	python := pythonWithPsycopg(t)
	script, err := filepath.Abs(filepath.Join("testdata", "psycopg", "client.py"))
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := filepath.Abs(filepath.Join("..", "..", "python", "src"))
	if err != nil {
		t.Fatal(err)
	}
	eachServer(t, func(t *testing.T, tg target) {
		out := t.TempDir()
		cmd := clientCommand(t, tg, python, script, tg.name, out)
		cmd.Env = append(cmd.Env, "PYTHONPATH="+pkg, "PYTHONDONTWRITEBYTECODE=1")
		runChecks(t, cmd)
		if tg.name == "apiary" {
			t.Run("arrow_streams", func(t *testing.T) { checkArrowStreams(t, out) })
		}
	})
}

// checkArrowStreams decodes the IPC streams client.py's arrow_package
// check wrote and compares them with the rows it inserted (ARROW_ROWS).
func checkArrowStreams(t *testing.T, dir string) {
	read := func(name string) (*arrow.Schema, []arrow.RecordBatch) {
		t.Helper()
		data, err := os.ReadFile(filepath.Join(dir, name+".arrow"))
		if err != nil {
			t.Fatalf("%v: the arrow_package check did not write its streams", err)
		}
		r, err := ipc.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer r.Release()
		var recs []arrow.RecordBatch
		for r.Next() {
			rec := r.RecordBatch()
			rec.Retain()
			recs = append(recs, rec)
		}
		if r.Err() != nil {
			t.Fatalf("%s: %v", name, r.Err())
		}
		return r.Schema(), recs
	}

	schema, recs := read("all")
	var types []string
	for _, f := range schema.Fields() {
		types = append(types, f.Name+" "+f.Type.String())
	}
	wantTypes := "id int32, city utf8, fare decimal(8, 2), day date32, at timestamp[us, tz=UTC], paid bool, raw binary"
	if got := strings.Join(types, ", "); got != wantTypes {
		t.Errorf("schema %s, want %s", got, wantTypes)
	}
	want := [][]string{
		{"1", "Lisbon", "12.50", "2024-01-02", "2024-01-02T03:04:05Z", "true", "01"},
		{"2", "it's; --", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"3", "Porto", "-7.25", "1969-12-31", "1969-12-31T23:59:59.999999Z", "false", ""},
	}
	if got := arrowRows(t, recs); !equalRows(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}

	_, recs = read("params")
	if got := arrowRows(t, recs); !equalRows(got, [][]string{{"2", "it's; --"}, {"3", "Porto"}}) {
		t.Errorf("client-side parameters: rows %q", got)
	}
	schema, recs = read("empty")
	if n := len(arrowRows(t, recs)); n != 0 || schema.NumFields() != 2 {
		t.Errorf("empty result: %d rows, schema %v", n, schema)
	}
	_, recs = read("percent")
	if got := arrowRows(t, recs); !equalRows(got, [][]string{{"100%"}}) {
		t.Errorf("query without parameters: rows %q", got)
	}
}

// arrowRows prints each value plainly: decimals with their scale,
// timestamps in RFC 3339, binary in hex, NULL as "NULL".
func arrowRows(t *testing.T, recs []arrow.RecordBatch) [][]string {
	t.Helper()
	var rows [][]string
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			var row []string
			for _, col := range rec.Columns() {
				if col.IsNull(i) {
					row = append(row, "NULL")
					continue
				}
				switch a := col.(type) {
				case *array.Decimal128:
					row = append(row, a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
				case *array.Timestamp:
					row = append(row, a.Value(i).ToTime(arrow.Microsecond).UTC().Format(time.RFC3339Nano))
				case *array.Date32:
					row = append(row, a.Value(i).FormattedString())
				case *array.Binary:
					row = append(row, hex.EncodeToString(a.Value(i)))
				default:
					row = append(row, col.ValueStr(i))
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if strings.Join(a[i], "\x00") != strings.Join(b[i], "\x00") {
			return false
		}
	}
	return true
}
