package txn

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func info(id string) CommitInfo {
	return CommitInfo{TxnID: id, ReadVersion: -1, Time: time.Unix(1700000000, 0).UTC(), Format: FormatVersion}
}

func cell(path string, part ...string) AddCell {
	c := AddCell{Path: path, Rows: 10, Bytes: 100, DataChange: true}
	if len(part) == 2 {
		c.Partition = map[string]string{part[0]: part[1]}
	}
	return c
}

func paths(cells []AddCell) string {
	var out []string
	for _, c := range cells {
		out = append(out, c.Path)
	}
	return strings.Join(out, ",")
}

func TestReplay(t *testing.T) {
	md := &Metadata{FrameID: "f", Columns: []Column{{Name: "a", Type: "integer"}}}
	md2 := &Metadata{FrameID: "f", Columns: []Column{{Name: "a", Type: "bigint"}}}
	committed := &TxnRecord{TxnID: "m1", State: TxnCommitted, Versions: map[string]int64{"f/": 3, "g/": 0}}
	aborted := &TxnRecord{TxnID: "m2", State: TxnAborted}
	intent := func(id string) *Intent { return &Intent{TxnID: id, Record: txnRecordKey(id)} }
	tests := []struct {
		name     string
		commits  []*commit
		outcomes map[string]*TxnRecord
		version  int64
		md       *Metadata
		cells    string
		entries  map[string]string
		err      string
	}{
		{name: "empty", version: -1},
		{
			name: "adds sorted and metadata",
			commits: []*commit{
				{Version: 0, Info: info("a"), Metadata: md},
				{Version: 1, Info: info("b"), Adds: []AddCell{cell("c"), cell("a")}},
				{Version: 2, Info: info("c"), Adds: []AddCell{cell("b")}},
			},
			version: 2, md: md, cells: "a,b,c",
		},
		{
			name: "removes and metadata replaced",
			commits: []*commit{
				{Version: 0, Info: info("a"), Metadata: md, Adds: []AddCell{cell("a"), cell("b")}},
				{Version: 1, Info: info("b"), Removes: []RemoveCell{{Path: "a"}}, Adds: []AddCell{cell("d")}},
				{Version: 2, Info: info("c"), Metadata: md2},
			},
			version: 2, md: md2, cells: "b,d",
		},
		{
			name: "entries set delete reset",
			commits: []*commit{
				{Version: 0, Info: info("a"), Sets: []SetEntry{{Key: "x", Value: json.RawMessage(`1`)}, {Key: "y", Value: json.RawMessage(`2`)}}},
				{Version: 1, Info: info("b"), Deletes: []DeleteEntry{{Key: "x"}}, Sets: []SetEntry{{Key: "y", Value: json.RawMessage(`3`)}}},
				{Version: 2, Info: info("c"), Deletes: []DeleteEntry{{Key: "y"}}, Sets: []SetEntry{{Key: "y", Value: json.RawMessage(`4`)}}},
			},
			version: 2, entries: map[string]string{"y": "4"},
		},
		{
			name: "committed and aborted intents",
			commits: []*commit{
				{Version: 0, Info: info("a"), Adds: []AddCell{cell("a")}},
				{Version: 1, Info: info("m2"), Intent: intent("m2"), Adds: []AddCell{cell("lost")}, Removes: []RemoveCell{{Path: "a"}}},
				{Version: 2, Info: info("b"), Adds: []AddCell{cell("b")}},
				{Version: 3, Info: info("m1"), Intent: intent("m1"), Adds: []AddCell{cell("m")}},
			},
			outcomes: map[string]*TxnRecord{"m1": committed, "m2": aborted},
			version:  3, cells: "a,b,m",
		},
		{
			name: "unresolved intent",
			commits: []*commit{
				{Version: 0, Info: info("m1"), Intent: intent("m1"), Adds: []AddCell{cell("m")}},
			},
			err: "unresolved",
		},
		{
			name: "gap",
			commits: []*commit{
				{Version: 0, Info: info("a")},
				{Version: 2, Info: info("b")},
			},
			err: "ledger gap",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := emptySnapshot("f/")
			snap, err := replay(base, tc.commits, tc.outcomes)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("replay error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if snap.Version != tc.version {
				t.Errorf("version = %d, want %d", snap.Version, tc.version)
			}
			if snap.Metadata != tc.md {
				t.Errorf("metadata = %+v, want %+v", snap.Metadata, tc.md)
			}
			if got := paths(snap.Cells); got != tc.cells {
				t.Errorf("cells = %q, want %q", got, tc.cells)
			}
			if len(snap.Entries) != len(tc.entries) {
				t.Errorf("entries = %v, want %v", snap.Entries, tc.entries)
			}
			for k, v := range tc.entries {
				if string(snap.Entries[k]) != v {
					t.Errorf("entry %s = %s, want %s", k, snap.Entries[k], v)
				}
			}
			if base.Version != -1 || len(base.Entries) != 0 || len(base.tombstones) != 0 {
				t.Errorf("replay modified its base snapshot: %+v", base)
			}
		})
	}
}

// TestReplayIncremental checks that folding commits in two steps (the
// cached-snapshot path) equals folding them at once.
func TestReplayIncremental(t *testing.T) {
	var commits []*commit
	for v := int64(0); v < 20; v++ {
		c := &commit{Version: v, Info: info("t"), Adds: []AddCell{cell(string(rune('a' + v)))}}
		if v%3 == 2 {
			c.Removes = []RemoveCell{{Path: string(rune('a' + v - 2))}}
		}
		c.Sets = []SetEntry{{Key: "k", Value: json.RawMessage(`"` + string(rune('a'+v)) + `"`)}}
		commits = append(commits, c)
	}
	whole, err := replay(emptySnapshot("f/"), commits, nil)
	if err != nil {
		t.Fatal(err)
	}
	half, err := replay(emptySnapshot("f/"), commits[:7], nil)
	if err != nil {
		t.Fatal(err)
	}
	rest, err := replay(half, commits[7:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if paths(whole.Cells) != paths(rest.Cells) || whole.Version != rest.Version || string(whole.Entries["k"]) != string(rest.Entries["k"]) || len(whole.tombstones) != len(rest.tombstones) {
		t.Fatalf("incremental replay differs:\n whole %+v\n parts %+v", whole, rest)
	}
	if half.Version != 6 {
		t.Fatalf("first half modified: version %d", half.Version)
	}
}

func TestCommitEncoding(t *testing.T) {
	c := &commit{
		Version: 4, Info: info("t1"),
		Intent:   &Intent{TxnID: "t1", Record: txnRecordKey("t1"), Deadline: time.Unix(1700000100, 0).UTC(), Ledgers: []string{"a/", "b/"}},
		Metadata: &Metadata{FrameID: "f", Columns: []Column{{Name: "a", Type: "integer", NotNull: true}}},
		Removes:  []RemoveCell{{Path: "old", DataChange: true}},
		Adds:     []AddCell{{Path: "new", Rows: 3, Stats: []ColumnStats{{Column: "a", Min: json.RawMessage(`1`), Max: json.RawMessage(`3`)}}}},
		Deletes:  []DeleteEntry{{Key: "d"}},
		Sets:     []SetEntry{{Key: "s", Value: json.RawMessage(`{"x":"<&>"}`)}},
	}
	body, err := encodeCommit(c)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], `{"commit":`) || !strings.HasPrefix(lines[1], `{"intent":`) {
		t.Fatalf("unexpected layout:\n%s", body)
	}
	got, err := decodeCommit("k", 4, body)
	if err != nil {
		t.Fatal(err)
	}
	again, err := encodeCommit(got)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(body) {
		t.Fatalf("round trip differs:\n%s\n%s", body, again)
	}
}

func TestDecodeCommitErrors(t *testing.T) {
	newer := `{"commit":{"txn_id":"x","read_version":-1,"time":"2024-01-01T00:00:00Z","format":99}}` + "\n" + `{"hologram":{}}` + "\n"
	tests := []struct {
		name string
		body string
		want error
	}{
		{"newer format", newer, ErrUnsupportedFormat},
		{"empty", "", ErrCorrupt},
		{"not json", "{nope\n", ErrCorrupt},
		{"no commit info first", `{"add":{"path":"a"}}` + "\n", ErrCorrupt},
		{"unknown action", `{"commit":{"txn_id":"x","format":1}}` + "\n" + `{"hologram":{}}` + "\n", ErrCorrupt},
		{"two actions on a line", `{"commit":{"txn_id":"x","format":1}}` + "\n" + `{"add":{"path":"a"},"remove":{"path":"b"}}` + "\n", ErrCorrupt},
		{"no txn id", `{"commit":{"format":1}}` + "\n", ErrCorrupt},
		{"truncated", `{"commit":{"txn_id":"x","format":1}}` + "\n" + `{"add":{"pa`, ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeCommit("frames/f/_ledger/00000000000000000007.json", 7, []byte(tc.body))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == ErrCorrupt {
				var ce *CorruptEntryError
				if !errors.As(err, &ce) || ce.Version != 7 || ce.Key != "frames/f/_ledger/00000000000000000007.json" {
					t.Fatalf("err = %#v, want a CorruptEntryError for version 7", err)
				}
			}
		})
	}
	if _, err := decodeCheckpoint("cp", []byte(`{"format":2,"version":3}`)); !errors.Is(err, ErrUnsupportedFormat) {
		t.Fatalf("newer checkpoint: err = %v", err)
	}
}

func TestParseLedgerKey(t *testing.T) {
	tests := []struct {
		key     string
		version int64
		cp, ok  bool
	}{
		{"f/_ledger/00000000000000000012.json", 12, false, true},
		{"f/_ledger/00000000000000000010.checkpoint.abc.json", 10, true, true},
		{"f/_ledger/_last_checkpoint", 0, false, false},
		{"f/_ledger/0000000000000000001x.json", 0, false, false},
		{"g/_ledger/00000000000000000012.json", 0, false, false},
		{"f/_ledger/00000000000000000012.json.tmp", 0, false, false},
	}
	for _, tc := range tests {
		v, cp, ok := parseLedgerKey("f/", tc.key)
		if v != tc.version || cp != tc.cp || ok != tc.ok {
			t.Errorf("parseLedgerKey(%q) = %d,%v,%v want %d,%v,%v", tc.key, v, cp, ok, tc.version, tc.cp, tc.ok)
		}
	}
	if commitKey("f/", 12) != "f/_ledger/00000000000000000012.json" {
		t.Fatal(commitKey("f/", 12))
	}
}
