package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec"
)

func TestProgressFormatting(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{12: "12 B", 54_100: "54.1 kB", 756_800_000: "756.8 MB", 3_200_000_000: "3.2 GB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	p := &progressBar{name: "lineitem"}
	line := p.line(exec.LoadProgress{Rows: 1_500_000, Bytes: 50_000_000, TotalBytes: 200_000_000, Files: 3, FilesDone: 1})
	for _, want := range []string{"lineitem: 1,500,000 rows", "50.0 MB", "file 2/3", "[######------------------]  25%"} {
		if !strings.Contains(line, want) {
			t.Errorf("progress line %q lacks %q", line, want)
		}
	}
	// A non-terminal writer gets no progress, only the caller's final line.
	var buf bytes.Buffer
	q := newProgressBar(&buf, "t")
	q.update(exec.LoadProgress{Rows: 1})
	q.finish()
	if buf.Len() != 0 || q.last.Rows != 1 {
		t.Errorf("non-terminal progress wrote %q", buf.String())
	}
}
