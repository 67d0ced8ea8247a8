package txn

import (
	"encoding/json"
	"time"
)

// FormatVersion is the ledger format this build writes. Readers refuse
// commits and checkpoints with a newer format instead of misreading them.
const FormatVersion = 1

// Column is one column of a frame's schema. Type is the PostgreSQL spelling
// ("integer", "numeric(15,2)", "character varying(25)"); txn does not
// interpret it.
type Column struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	NotNull bool   `json:"not_null,omitempty"`
}

// Metadata describes a frame: its schema, partition columns and options. A
// commit that carries Metadata replaces the previous one whole.
type Metadata struct {
	// FrameID is the frame's immutable identity (also its storage prefix);
	// names live in the catalog and may change without touching the frame.
	FrameID     string            `json:"frame_id"`
	Columns     []Column          `json:"columns"`
	PartitionBy []string          `json:"partition_by,omitempty"`
	Options     map[string]string `json:"options,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// ColumnStats are one column's statistics inside one cell. Min and Max are
// JSON values in the encoding exec/cell documents (docs/cells.md); they are
// absent when every value is NULL or the column type keeps no bounds. Bounds
// are inclusive and may be wider than the data (a truncated string bound),
// never narrower.
type ColumnStats struct {
	Column    string          `json:"column"`
	Min       json.RawMessage `json:"min,omitempty"`
	Max       json.RawMessage `json:"max,omitempty"`
	NullCount int64           `json:"null_count"`
}

// AddCell makes a Parquet cell part of the frame.
type AddCell struct {
	// Path is the cell's key relative to the frame's prefix, e.g.
	// "data/region=EU/0190b1e2-....parquet". Paths are unique for ever: a
	// cell is never overwritten.
	Path string `json:"path"`
	// Partition holds the partition column values of every row in the cell,
	// as text; a NULL partition value is absent from the map.
	Partition map[string]string `json:"partition,omitempty"`
	Rows      int64             `json:"rows"`
	Bytes     int64             `json:"bytes"`
	Stats     []ColumnStats     `json:"stats,omitempty"`
	// DataChange is false for rewrites that do not change the frame's
	// contents (compaction); such commits never conflict with appends.
	DataChange bool `json:"data_change"`
}

// RemoveCell takes a cell out of the frame. The object stays in storage until
// garbage collection, so snapshots older than the removal still read it.
type RemoveCell struct {
	Path       string `json:"path"`
	DataChange bool   `json:"data_change"`
}

// CommitInfo is the first action of every commit.
type CommitInfo struct {
	// TxnID identifies the transaction for ever; a writer that lost the
	// response to its own commit recognises the commit by it.
	TxnID string `json:"txn_id"`
	// ReadVersion is the ledger version the transaction read (-1: none).
	ReadVersion int64     `json:"read_version"`
	Time        time.Time `json:"time"`
	Node        string    `json:"node,omitempty"`
	Operation   string    `json:"operation,omitempty"` // "INSERT", "CREATE TABLE", ...
	Format      int       `json:"format"`
}

// SetEntry sets one key of the ledger's key-value map. The catalog keeps its
// namespace (hives, boxes, frame names) this way, in a ledger of its own.
type SetEntry struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// DeleteEntry removes one key of the ledger's key-value map.
type DeleteEntry struct {
	Key string `json:"key"`
}

// Intent marks a commit written by a transaction that spans several ledgers.
// The commit's other actions take effect only if the transaction record named
// by Record says "committed"; if it says "aborted" the commit is a no-op
// version. See docs/storage.md, "Multi-ledger transactions".
type Intent struct {
	TxnID string `json:"txn_id"`
	// Record is the key of the transaction record, relative to the storage
	// root ("_txns/<txn-id>.json").
	Record string `json:"record"`
	// Deadline is the writer's promise: after it (by the reader's clock) an
	// absent record may be created as "aborted" by anyone.
	Deadline time.Time `json:"deadline"`
	// Ledgers lists the prefixes of every ledger the transaction writes,
	// sorted.
	Ledgers []string `json:"ledgers"`
}

// TxnState is the outcome of a multi-ledger transaction.
type TxnState string

// The two states a transaction record can hold. A record is created once
// (PutIfAbsent) and never changes.
const (
	TxnCommitted TxnState = "committed"
	TxnAborted   TxnState = "aborted"
)

// TxnRecord is the object whose creation decides a multi-ledger transaction:
// "_txns/<txn-id>.json". Its creation with PutIfAbsent is the commit point.
type TxnRecord struct {
	TxnID string   `json:"txn_id"`
	State TxnState `json:"state"`
	// Versions maps each ledger prefix to the version of the transaction's
	// intent commit there. Only committed records written by the
	// transaction itself carry it; readers use it to pick mutually
	// consistent snapshots of several ledgers.
	Versions map[string]int64 `json:"versions,omitempty"`
	Time     time.Time        `json:"time"`
	Node     string           `json:"node,omitempty"`
	Format   int              `json:"format"`
}
