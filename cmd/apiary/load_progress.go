package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec"
)

// progressBar draws a load's progress on one terminal line (rows, bytes,
// throughput and, when the input size is known, a bar and a percentage).
// When the output is not a terminal it stays silent: the caller prints one
// final line instead, which is what logs and scripts want.
type progressBar struct {
	w     io.Writer
	tty   bool
	name  string
	start time.Time
	last  exec.LoadProgress
	drawn bool
}

func newProgressBar(w io.Writer, name string) *progressBar {
	return &progressBar{w: w, tty: isTerminal(w), name: name, start: time.Now()}
}

// isTerminal reports whether w is a character device (a terminal), without
// a dependency: the mode bit is enough for the progress bar's purpose.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update is the LoadRequest.Progress callback; exec calls it at most ten
// times a second.
func (p *progressBar) update(lp exec.LoadProgress) {
	p.last = lp
	if !p.tty {
		return
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(lp))
	p.drawn = true
}

// line renders one progress line.
func (p *progressBar) line(lp exec.LoadProgress) string {
	secs := time.Since(p.start).Seconds()
	rate := 0.0
	if secs > 0 {
		rate = float64(lp.Bytes) / secs
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s rows  %s  %s/s", p.name, groupDigits(lp.Rows), humanBytes(lp.Bytes), humanBytes(int64(rate)))
	if lp.Files > 1 {
		fmt.Fprintf(&b, "  file %d/%d", min(lp.FilesDone+1, lp.Files), lp.Files)
	}
	if lp.TotalBytes > 0 {
		frac := min(float64(lp.Bytes)/float64(lp.TotalBytes), 1)
		const width = 24
		fill := int(frac * width)
		fmt.Fprintf(&b, "  [%s%s] %3.0f%%", strings.Repeat("#", fill), strings.Repeat("-", width-fill), frac*100)
	}
	return b.String()
}

// finish ends the progress line so that later output starts on its own.
func (p *progressBar) finish() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// humanBytes formats a byte count in decimal units, as throughput usually
// is (MB/s).
func humanBytes(n int64) string {
	f := float64(n)
	for _, u := range []string{"B", "kB", "MB", "GB"} {
		if f < 1000 || u == "GB" {
			if u == "B" {
				return fmt.Sprintf("%d B", n)
			}
			return fmt.Sprintf("%.1f %s", f, u)
		}
		f /= 1000
	}
	return ""
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
