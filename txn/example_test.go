package txn_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

// Example shows a CREATE TABLE that writes the catalog and a new frame in one
// multi-ledger transaction, then an append and a read.
func Example() {
	ctx := context.Background()
	m := txn.NewManager(objstore.NewMem(), txn.Options{Node: "example"})
	catalog, frame := m.Ledger("catalog/"), m.Ledger("frames/f1/")

	create := m.Begin("CREATE TABLE")
	if v, _ := create.ReadEntry(ctx, catalog, "frame/t"); v != nil {
		fmt.Println("exists")
		return
	}
	create.SetEntry(catalog, "frame/t", json.RawMessage(`{"frame_id":"f1"}`))
	create.SetMetadata(frame, txn.Metadata{FrameID: "f1", Columns: []txn.Column{{Name: "a", Type: "integer"}}})
	versions, err := create.Commit(ctx)
	fmt.Println(versions, err)

	insert := m.Begin("INSERT")
	insert.AddCells(frame, txn.AddCell{Path: "data/0001.parquet", Rows: 3, DataChange: true})
	versions, err = insert.Commit(ctx)
	fmt.Println(versions, err)

	snap, _ := frame.Latest(ctx)
	fmt.Println(snap.Version, len(snap.Cells), snap.Metadata.Columns[0].Name)
	// Output:
	// map[catalog/:0 frames/f1/:0] <nil>
	// map[frames/f1/:1] <nil>
	// 1 1 a
}
