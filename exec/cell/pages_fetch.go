package cell

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/apiarydb/apiary/internal/hugepage"
	"github.com/apiarydb/apiary/objstore"
)

// span is a byte range [lo, hi) of a cell.
type span struct{ lo, hi int64 }

// fetch reads the spans of the object. When the store can read into a
// buffer of the caller's, they land back to back in one buffer from
// chunkBufPool, returned for the RowGroupReader to give back at Close.
func (c *Cell) fetch(ctx context.Context, spans []span) (segReader, *[]byte, error) {
	segs := make(segReader, 0, len(spans))
	var buf *[]byte
	var free []byte
	if _, ok := c.src.store.(objstore.RangeIntoGetter); ok {
		total := 0
		for _, s := range spans {
			total += int(s.hi - s.lo)
		}
		buf = getChunkBuf(total)
		free = *buf
	}
	for _, s := range spans {
		n := s.hi - s.lo
		var data []byte
		var err error
		if buf != nil {
			data, err = objstore.GetRangeInto(ctx, c.src.store, c.key, s.lo, free[:n])
			free = free[n:]
		} else {
			data, err = c.src.store.GetRange(ctx, c.key, s.lo, n)
		}
		if err == nil && int64(len(data)) != n {
			err = errors.New("short read")
		}
		if err != nil {
			if buf != nil {
				putChunkBuf(buf)
			}
			return nil, nil, fmt.Errorf("cell: read column chunks %s: %w", c.key, err)
		}
		segs = append(segs, seg{s.lo, data})
	}
	return segs, buf, nil
}

// maxPooledChunkBytes: row groups are capped at 64 MiB decoded, so their
// chunks are smaller; a buffer grown past this (a foreign file's huge row
// group) is not kept.
const maxPooledChunkBytes = 128 << 20

// chunkBufPool holds buffers for the column chunks of a row group, so that
// scans reuse one from row group to row group (and bee to bee).
var chunkBufPool sync.Pool

// getChunkBuf returns a pooled buffer of n bytes.
func getChunkBuf(n int) *[]byte {
	b, _ := chunkBufPool.Get().(*[]byte)
	if b == nil {
		b = new([]byte)
	}
	if cap(*b) < n {
		// Row groups' chunks run to megabytes: huge pages spare most of
		// the faults of first touching them.
		*b = hugepage.Make[byte](n)
	}
	*b = (*b)[:n]
	return b
}

func putChunkBuf(b *[]byte) {
	if cap(*b) <= maxPooledChunkBytes {
		chunkBufPool.Put(b)
	}
}
