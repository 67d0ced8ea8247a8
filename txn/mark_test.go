package txn

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

func TestRollbackToMark(t *testing.T) {
	ctx := context.Background()
	m := NewManager(objstore.NewMem(), Options{})
	a, b := m.Ledger("a/"), m.Ledger("b/")
	tx := m.Begin("test")
	tx.AddCells(a, AddCell{Path: "a1", Rows: 1})
	tx.SetEntry(a, "k", json.RawMessage(`1`))
	mark := tx.Mark()
	tx.AddCells(a, AddCell{Path: "a2", Rows: 2})
	tx.RemoveCells(a, "a1")
	tx.DeleteEntry(a, "k")
	tx.AddCells(b, AddCell{Path: "b1", Rows: 3})
	tx.Overwrite(b)
	tx.RollbackTo(mark)
	pa, pb := tx.Pending(a), tx.Pending(b)
	if len(pa.Adds) != 1 || pa.Adds[0].Path != "a1" || len(pa.Removes) != 0 || string(pa.Entries["k"]) != "1" || pa.DeletedEntries["k"] {
		t.Errorf("ledger a after RollbackTo: %+v", pa)
	}
	if len(pb.Adds) != 0 || pb.Overwrite {
		t.Errorf("ledger b after RollbackTo: %+v", pb)
	}
	// The mark is unchanged by later writes: rolling back twice works.
	tx.AddCells(a, AddCell{Path: "a3", Rows: 1})
	tx.RollbackTo(mark)
	if pa := tx.Pending(a); len(pa.Adds) != 1 {
		t.Errorf("second RollbackTo: %+v", pa)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	snap, err := m.Begin("read").Read(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Cells) != 1 || snap.Cells[0].Path != "a1" {
		t.Errorf("committed cells: %+v", snap.Cells)
	}
}
