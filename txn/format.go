package txn

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Object names inside a ledger's prefix. Versions are zero-padded to 20
// digits so that byte order (List's order) is numeric order.
const (
	ledgerDir      = "_ledger/"
	hintName       = "_last_checkpoint"
	txnRecordDir   = "_txns/"
	commitSuffix   = ".json"
	checkpointPart = ".checkpoint."
)

func commitKey(prefix string, version int64) string {
	return fmt.Sprintf("%s%s%020d%s", prefix, ledgerDir, version, commitSuffix)
}

func checkpointKey(prefix string, version int64, id string) string {
	return fmt.Sprintf("%s%s%020d%s%s%s", prefix, ledgerDir, version, checkpointPart, id, commitSuffix)
}

func hintKey(prefix string) string { return prefix + ledgerDir + hintName }

func txnRecordKey(txnID string) string { return txnRecordDir + txnID + commitSuffix }

// parseLedgerKey classifies a key listed under "<prefix>_ledger/": a commit
// ("%020d.json") or a checkpoint ("%020d.checkpoint.<id>.json"). ok is false
// for anything else (the hint, stray temporary files).
func parseLedgerKey(prefix, key string) (version int64, checkpoint, ok bool) {
	name, found := strings.CutPrefix(key, prefix+ledgerDir)
	if !found || len(name) < 20+len(commitSuffix) || !strings.HasSuffix(name, commitSuffix) {
		return 0, false, false
	}
	v, err := strconv.ParseInt(name[:20], 10, 64)
	if err != nil || v < 0 {
		return 0, false, false
	}
	rest := name[20:]
	switch {
	case rest == commitSuffix:
		return v, false, true
	case strings.HasPrefix(rest, checkpointPart):
		return v, true, true
	}
	return 0, false, false
}

// line is one line of a commit object: exactly one field is set.
type line struct {
	Commit   *CommitInfo  `json:"commit,omitempty"`
	Metadata *Metadata    `json:"metadata,omitempty"`
	Add      *AddCell     `json:"add,omitempty"`
	Remove   *RemoveCell  `json:"remove,omitempty"`
	Set      *SetEntry    `json:"set,omitempty"`
	Delete   *DeleteEntry `json:"delete,omitempty"`
	Intent   *Intent      `json:"intent,omitempty"`
}

func (l *line) count() int {
	n := 0
	for _, set := range []bool{l.Commit != nil, l.Metadata != nil, l.Add != nil, l.Remove != nil, l.Set != nil, l.Delete != nil, l.Intent != nil} {
		if set {
			n++
		}
	}
	return n
}

// commit is one decoded ledger version. Within a commit the actions apply
// in this order: metadata, removes, adds, deletes, sets (a transaction never
// both sets and deletes one key, nor adds and removes one path).
type commit struct {
	Version  int64
	Info     CommitInfo
	Metadata *Metadata
	Removes  []RemoveCell
	Adds     []AddCell
	Deletes  []DeleteEntry
	Sets     []SetEntry
	Intent   *Intent
}

// encodeCommit renders a commit as newline-delimited JSON, CommitInfo first.
func encodeCommit(c *commit) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf) // Encode appends the newline that separates lines.
	enc.SetEscapeHTML(false)
	put := func(l line) error { return enc.Encode(l) }
	info := c.Info
	if err := put(line{Commit: &info}); err != nil {
		return nil, fmt.Errorf("txn: encode commit: %w", err)
	}
	var err error
	if c.Intent != nil {
		err = errors.Join(err, put(line{Intent: c.Intent}))
	}
	if c.Metadata != nil {
		err = errors.Join(err, put(line{Metadata: c.Metadata}))
	}
	for i := range c.Removes {
		err = errors.Join(err, put(line{Remove: &c.Removes[i]}))
	}
	for i := range c.Adds {
		err = errors.Join(err, put(line{Add: &c.Adds[i]}))
	}
	for i := range c.Deletes {
		err = errors.Join(err, put(line{Delete: &c.Deletes[i]}))
	}
	for i := range c.Sets {
		err = errors.Join(err, put(line{Set: &c.Sets[i]}))
	}
	if err != nil {
		return nil, fmt.Errorf("txn: encode commit: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeCommit parses a commit object. The format version on the first line
// is checked before anything else is decoded, so a newer writer's unknown
// actions yield ErrUnsupportedFormat rather than a misleading corruption
// error.
func decodeCommit(key string, version int64, data []byte) (*commit, error) {
	corrupt := func(err error) error { return &CorruptEntryError{Version: version, Key: key, Err: err} }
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	c := &commit{Version: version}
	n := 0
	for sc.Scan() {
		raw := bytes.TrimSpace(sc.Bytes())
		if len(raw) == 0 {
			continue
		}
		n++
		if n == 1 {
			var head struct {
				Commit *struct {
					Format int `json:"format"`
				} `json:"commit"`
			}
			if err := json.Unmarshal(raw, &head); err != nil {
				return nil, corrupt(fmt.Errorf("first line: %w", err))
			}
			if head.Commit == nil {
				return nil, corrupt(errors.New("first line is not commit info"))
			}
			if head.Commit.Format > FormatVersion {
				return nil, fmt.Errorf("txn: commit %s has format %d, this build reads up to %d: %w", key, head.Commit.Format, FormatVersion, ErrUnsupportedFormat)
			}
		}
		var l line
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, corrupt(fmt.Errorf("line %d: %w", n, err))
		}
		if l.count() != 1 {
			return nil, corrupt(fmt.Errorf("line %d holds %d actions, want 1", n, l.count()))
		}
		switch {
		case l.Commit != nil:
			if n != 1 {
				return nil, corrupt(fmt.Errorf("line %d: commit info after the first line", n))
			}
			c.Info = *l.Commit
		case l.Intent != nil:
			if c.Intent != nil {
				return nil, corrupt(fmt.Errorf("line %d: second intent", n))
			}
			c.Intent = l.Intent
		case l.Metadata != nil:
			if c.Metadata != nil {
				return nil, corrupt(fmt.Errorf("line %d: second metadata", n))
			}
			c.Metadata = l.Metadata
		case l.Remove != nil:
			c.Removes = append(c.Removes, *l.Remove)
		case l.Add != nil:
			c.Adds = append(c.Adds, *l.Add)
		case l.Delete != nil:
			c.Deletes = append(c.Deletes, *l.Delete)
		case l.Set != nil:
			c.Sets = append(c.Sets, *l.Set)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, corrupt(err)
	}
	if n == 0 {
		return nil, corrupt(errors.New("empty commit"))
	}
	if c.Info.TxnID == "" {
		return nil, corrupt(errors.New("commit info has no txn id"))
	}
	if c.Intent != nil && c.Intent.TxnID != c.Info.TxnID {
		return nil, corrupt(fmt.Errorf("intent names txn %s inside commit of txn %s", c.Intent.TxnID, c.Info.TxnID))
	}
	return c, nil
}

// checkpointFile is the whole state of a ledger at one version, written as a
// single JSON object. Cells are sorted by path.
type checkpointFile struct {
	Format     int                        `json:"format"`
	Prefix     string                     `json:"prefix"`
	Version    int64                      `json:"version"`
	Metadata   *Metadata                  `json:"metadata,omitempty"`
	Cells      []AddCell                  `json:"cells"`
	Entries    map[string]json.RawMessage `json:"entries,omitempty"`
	Tombstones map[string]int64           `json:"tombstones,omitempty"`
	LastCommit time.Time                  `json:"last_commit"`
	LastTxnID  string                     `json:"last_txn_id,omitempty"`
	Multi      []multiRef                 `json:"multi,omitempty"`
	Written    time.Time                  `json:"written"`
	Node       string                     `json:"node,omitempty"`
}

// checkpointHint is the content of "_last_checkpoint": a pointer that may be
// stale, missing or torn; readers verify what it points at.
type checkpointHint struct {
	Format  int    `json:"format"`
	Version int64  `json:"version"`
	Key     string `json:"key"`
}

func encodeCheckpoint(s *Snapshot, node string, now time.Time) ([]byte, error) {
	cp := checkpointFile{
		Format: FormatVersion, Prefix: s.Prefix, Version: s.Version, Metadata: s.Metadata,
		Cells: s.Cells, Entries: s.Entries, Tombstones: s.tombstones,
		LastCommit: s.LastCommit, LastTxnID: s.LastTxnID, Multi: s.multi,
		Written: now.UTC(), Node: node,
	}
	if cp.Cells == nil {
		cp.Cells = []AddCell{}
	}
	b, err := json.Marshal(cp)
	if err != nil {
		return nil, fmt.Errorf("txn: encode checkpoint: %w", err)
	}
	return b, nil
}

func decodeCheckpoint(key string, data []byte) (*Snapshot, error) {
	var head struct {
		Format int `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &CorruptEntryError{Version: -1, Key: key, Err: err}
	}
	if head.Format > FormatVersion {
		return nil, fmt.Errorf("txn: checkpoint %s has format %d, this build reads up to %d: %w", key, head.Format, FormatVersion, ErrUnsupportedFormat)
	}
	var cp checkpointFile
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, &CorruptEntryError{Version: -1, Key: key, Err: err}
	}
	if cp.Version < 0 {
		return nil, &CorruptEntryError{Version: cp.Version, Key: key, Err: errors.New("negative version")}
	}
	s := &Snapshot{
		Prefix: cp.Prefix, Version: cp.Version, Metadata: cp.Metadata, Cells: cp.Cells,
		Entries: cp.Entries, LastCommit: cp.LastCommit, LastTxnID: cp.LastTxnID,
		tombstones: cp.Tombstones, multi: cp.Multi,
	}
	if s.Entries == nil {
		s.Entries = map[string]json.RawMessage{}
	}
	if s.tombstones == nil {
		s.tombstones = map[string]int64{}
	}
	return s, nil
}

func decodeRecord(key string, data []byte) (*TxnRecord, error) {
	var rec TxnRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, &CorruptEntryError{Version: -1, Key: key, Err: err}
	}
	if rec.Format > FormatVersion {
		return nil, fmt.Errorf("txn: transaction record %s has format %d: %w", key, rec.Format, ErrUnsupportedFormat)
	}
	if rec.State != TxnCommitted && rec.State != TxnAborted {
		return nil, &CorruptEntryError{Version: -1, Key: key, Err: fmt.Errorf("unknown state %q", rec.State)}
	}
	return &rec, nil
}
