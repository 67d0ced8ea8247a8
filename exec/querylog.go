package exec

import (
	"context"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxLoggedStatement caps the statement text of a query log line: enough
// to recognise a statement, not a whole generated query per line.
const maxLoggedStatement = 500

// QueryLogger returns a hook for Engine.OnQueryFinished that writes one
// info line per finished statement to log: its PID, user and hive, its
// text (on one line, cut to 500 bytes), duration in milliseconds, rows
// returned or changed, outcome and SQLSTATE, and for a failure the error.
func QueryLogger(log *slog.Logger) func(QueryRecord) {
	return func(rec QueryRecord) {
		attrs := []slog.Attr{
			slog.Int64("pid", int64(rec.PID)),
			slog.String("user", rec.User),
			slog.String("hive", rec.Hive),
			slog.String("statement", oneLine(rec.Query, maxLoggedStatement)),
			// Milliseconds with microsecond precision read the same in the
			// text and JSON handlers, unlike a time.Duration.
			slog.Float64("duration_ms", float64(rec.Duration.Microseconds())/1000),
			slog.Int64("rows", rec.Rows),
			slog.String("outcome", rec.Outcome),
			slog.String("sqlstate", string(rec.SQLState)),
		}
		if rec.Err != nil {
			attrs = append(attrs, slog.String("error", oneLine(rec.Err.Error(), maxLoggedStatement)))
		}
		log.LogAttrs(context.Background(), slog.LevelInfo, "query", attrs...)
	}
}

// oneLine folds every run of white space in s into one space and cuts the
// result after at most max bytes, on a character boundary, marking the cut
// with "...".
func oneLine(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if b.Len()+utf8.RuneLen(r) > max {
			b.WriteString("...")
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
