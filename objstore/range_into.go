package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/minio/minio-go/v7"
)

// RangeIntoGetter is an optional ability of a Store: reading a range into a
// buffer the caller owns. A scan reads the column chunks of row group after
// row group into one reused buffer instead of a fresh allocation each time,
// which on small machines costs a page fault per 4 KiB touched.
//
// Wrappers of a Store (caches, metrics) implement it by forwarding to the
// store they wrap, or not at all: callers go through GetRangeInto, which
// falls back to GetRange.
type RangeIntoGetter interface {
	// GetRangeInto reads len(dst) bytes starting at offset into dst and
	// returns dst cut to the bytes read: short when the range runs past the
	// end of the object, empty when offset is at or beyond it, as GetRange
	// cuts its result. Errors are GetRange's. dst is not retained.
	GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error)
}

// GetRangeInto reads len(dst) bytes of the object at offset, into dst when
// st implements RangeIntoGetter, otherwise into whatever GetRange returns.
// Either way the result holds exactly the bytes GetRange(ctx, key, offset,
// len(dst)) would.
func GetRangeInto(ctx context.Context, st Store, key string, offset int64, dst []byte) ([]byte, error) {
	if g, ok := st.(RangeIntoGetter); ok {
		return g.GetRangeInto(ctx, key, offset, dst)
	}
	return st.GetRange(ctx, key, offset, int64(len(dst)))
}

var (
	_ RangeIntoGetter = (*Local)(nil)
	_ RangeIntoGetter = (*Mem)(nil)
	_ RangeIntoGetter = (*S3)(nil)
)

// GetRangeInto implements RangeIntoGetter.
func (l *Local) GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error) {
	return l.readRange(ctx, key, offset, int64(len(dst)), func(n int) []byte { return dst[:n] })
}

// GetRangeInto implements RangeIntoGetter.
func (m *Mem) GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("objstore: get range %s: negative offset", key)
	}
	o, err := m.lookup(key)
	if err != nil {
		return nil, err
	}
	size := int64(len(o.data))
	if offset >= size {
		return dst[:0], nil
	}
	return dst[:copy(dst, o.data[offset:])], nil
}

// GetRangeInto implements RangeIntoGetter: the response body is read
// straight into dst.
func (s *S3) GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, fmt.Errorf("objstore: s3 get range %s: negative offset", key)
	}
	if len(dst) == 0 {
		if _, err := s.GetRange(ctx, key, offset, 0); err != nil {
			return nil, err
		}
		return dst, nil
	}
	name, err := s.objectName(key)
	if err != nil {
		return nil, err
	}
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(offset, offset+int64(len(dst))-1); err != nil {
		return nil, fmt.Errorf("objstore: s3 get range %s: %w", key, err)
	}
	obj, err := s.client.GetObject(ctx, s.bucket, name, opts)
	if err != nil {
		return nil, s.err(ctx, "get range", key, err)
	}
	defer obj.Close()
	n, err := io.ReadFull(obj, dst)
	switch {
	case err == nil, errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		// A short or empty body is the range cut at the end of the object.
		return dst[:n], nil
	}
	resp := minio.ErrorResponse{}
	if errors.As(err, &resp) && resp.StatusCode == http.StatusRequestedRangeNotSatisfiable {
		// 416: the offset is at or past the end; see GetRange.
		if _, serr := s.Stat(ctx, key); serr != nil {
			return nil, serr
		}
		return dst[:0], nil
	}
	return nil, s.err(ctx, "get range", key, err)
}
