package difftest

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strings"
)

// Pending is the list of query ids expected to fail on Apiary, each with a
// short reason. The file holds one entry per line, "<id> <reason>"; lines
// starting with '#' and blank lines are ignored.
type Pending struct {
	Reasons map[string]string
	Order   []string // ids in file order
	Header  []string // leading comment lines, kept on rewrite
}

// Has reports whether id is pending.
func (p *Pending) Has(id string) bool {
	_, ok := p.Reasons[id]
	return ok
}

// ReadPending reads a pending file; a missing file is an empty list.
func ReadPending(path string) (*Pending, error) {
	p := &Pending{Reasons: map[string]string{}}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	no, body := 0, false
	for sc.Scan() {
		no++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			if !body && strings.HasPrefix(line, "#") {
				p.Header = append(p.Header, line)
			}
			continue
		}
		body = true
		id, reason, _ := strings.Cut(line, " ")
		if _, dup := p.Reasons[id]; dup {
			return nil, fmt.Errorf("%s:%d: %s listed twice", path, no, id)
		}
		p.Reasons[id] = strings.TrimSpace(reason)
		p.Order = append(p.Order, id)
	}
	return p, sc.Err()
}

// WritePending writes entries (id → reason) in the order given by ids,
// after header.
func WritePending(path string, header []string, ids []string, reasons map[string]string) error {
	var b strings.Builder
	for _, h := range header {
		b.WriteString(h + "\n")
	}
	if len(header) > 0 {
		b.WriteString("\n")
	}
	for _, id := range ids {
		r := strings.Join(strings.Fields(reasons[id]), " ")
		fmt.Fprintf(&b, "%s %s\n", id, r)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// pendingFile returns the corpus file an id belongs to ("load" for the
// load:<table> entries).
func pendingFile(id string) string {
	if strings.HasPrefix(id, "load:") {
		return "load"
	}
	f, _, _ := strings.Cut(id, ":")
	return f
}

// sortIDs orders ids by file, then line number.
func sortIDs(ids []string) {
	sort.Slice(ids, func(i, j int) bool {
		fi, li := splitID(ids[i])
		fj, lj := splitID(ids[j])
		if fi != fj {
			return fi < fj
		}
		return li < lj
	})
}

func splitID(id string) (string, int) {
	f, l, _ := strings.Cut(id, ":")
	n := 0
	for _, c := range l {
		if c < '0' || c > '9' {
			return id, 0
		}
		n = n*10 + int(c-'0')
	}
	return f, n
}
