package exec

import (
	"context"
	"strings"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

// frameScan streams the projected columns of a frame's cells, one cell and
// one row group at a time, so memory stays bounded by one row group of the
// projected columns whatever the frame's size.
type frameScan struct {
	store  objstore.Store
	prefix string
	cells  []txn.AddCell
	proj   []int
	cols   []Column
	limit  int64 // rows still to return; < 0 means no limit
	done   func()

	cell *cell.Cell
	rg   int
	rgr  *cell.RowGroupReader
}

func newFrameScan(store objstore.Store, prefix string, cells []txn.AddCell, proj []int, cols []Column, limit int64, done func()) (*frameScan, error) {
	return &frameScan{
		store:  store,
		prefix: strings.TrimSuffix(prefix, "/") + "/",
		cells:  cells,
		proj:   proj,
		cols:   cols,
		limit:  limit,
		done:   done,
	}, nil
}

func (f *frameScan) Columns() []Column { return f.cols }

// Next implements Rows.
func (f *frameScan) Next(ctx context.Context) (*vec.Batch, error) {
	for f.limit != 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if f.rgr != nil {
			b, err := f.rgr.Next()
			if err != nil {
				return nil, err
			}
			if b.Len > 0 {
				if f.limit > 0 {
					if int64(b.Len) > f.limit {
						b.Len = int(f.limit)
					}
					f.limit -= int64(b.Len)
				}
				return b, nil
			}
			f.rgr.Close()
			f.rgr = nil
			f.rg++
		}
		if f.cell != nil && f.rg < f.cell.NumRowGroups() {
			r, err := f.cell.ReadRowGroup(ctx, f.rg, f.proj, cell.DefaultBatchSize)
			if err != nil {
				return nil, err
			}
			f.rgr = r
			continue
		}
		if len(f.cells) == 0 {
			return nil, nil
		}
		c := f.cells[0]
		f.cells = f.cells[1:]
		opened, err := cell.Open(ctx, f.store, f.prefix+c.Path, c.Bytes, cell.OpenOptions{})
		if err != nil {
			return nil, err
		}
		f.cell, f.rg = opened, 0
	}
	return nil, nil
}

// Close implements Rows.
func (f *frameScan) Close() {
	if f.rgr != nil {
		f.rgr.Close()
		f.rgr = nil
	}
	f.cells, f.cell = nil, nil
	if f.done != nil {
		f.done()
		f.done = nil
	}
}
