// Package cell writes and reads cells: the Parquet files that hold a frame's
// rows in object storage.
//
// Writing: NewSchema parses the ledger schema, NewWriter routes batches to
// Hive-style partitions, cuts row groups and closes a cell when it reaches
// the leafcutter target (TargetCellBytes, TargetFromOptions); Close returns
// the txn.AddCell actions to commit, with ledger statistics.
//
// Reading: Open fetches a cell's footer (or the whole cell when small),
// Cell.ReadRowGroup / Cell.Scan decode the projected columns page by page
// into vec batches: the pages Apiary writes with its own page reader
// (pages*.go: data page v2, LZ4_RAW, PLAIN, DELTA_LENGTH_BYTE_ARRAY and
// dictionary pages, into pooled buffers), any other page through
// parquet-go. Pruning: MayMatch over BoundsFromStats (ledger stats and
// partition values, before opening) or Cell.RowGroupBounds (inside a cell).
//
// docs/cells.md describes the file format, statistics encoding, partition
// layout and sizing.
package cell
