package tpch

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestWriteFiles is the command-line generator: it writes every table as
// <table>.csv into $APIARY_TPCH_OUT at scale factor $APIARY_TPCH_SF
// (default 1), and is skipped when APIARY_TPCH_OUT is unset:
//
//	APIARY_TPCH_OUT=/tmp/tpch APIARY_TPCH_SF=0.1 go test -run TestWriteFiles -v ./regress/tpch
func TestWriteFiles(t *testing.T) {
	dir := os.Getenv("APIARY_TPCH_OUT")
	if dir == "" {
		t.Skip("set APIARY_TPCH_OUT (and optionally APIARY_TPCH_SF) to write CSV files")
	}
	sf := 1.0
	if s := os.Getenv("APIARY_TPCH_SF"); s != "" {
		var err error
		if sf, err = strconv.ParseFloat(s, 64); err != nil {
			t.Fatalf("APIARY_TPCH_SF=%q: %v", s, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tb := range Tables {
		start := time.Now()
		path := filepath.Join(dir, tb.Name+".csv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if err := Generate(sf, tb.Name, w, CSV); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatalf("writing %s: %v", path, err)
		}
		if err := f.Close(); err != nil {
			t.Fatalf("closing %s: %v", path, err)
		}
		fi, _ := os.Stat(path)
		d := time.Since(start)
		t.Logf("%-9s %7.1f MB in %6.2fs (%.0f MB/s)", tb.Name, float64(fi.Size())/1e6, d.Seconds(), float64(fi.Size())/1e6/d.Seconds())
	}
}
