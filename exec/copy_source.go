package exec

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// codeUndefinedFile is PostgreSQL's SQLSTATE for a COPY source that does
// not exist ("could not open file ... No such file or directory").
const codeUndefinedFile = sqlerr.Code("58P01")

// copySource is one object a COPY FROM reads.
type copySource struct {
	store objstore.Store
	key   string
	size  int64
	name  string // how messages name it: the URL of the object
}

// sourceSet holds the objects matched by a COPY's source patterns and the
// stores they live in.
type sourceSet struct {
	files  []copySource
	stores []objstore.Store
}

func (ss *sourceSet) close() {
	for _, st := range ss.stores {
		_ = st.Close()
	}
	ss.stores = nil
}

func (ss *sourceSet) totalBytes() int64 {
	var n int64
	for _, f := range ss.files {
		n += f.size
	}
	return n
}

// resolveSources expands source patterns into objects. A pattern is
//
//   - an absolute path ("/data/*.csv") or a file:// URL: files on the node;
//   - any other storage URL objstore.Open understands (s3://bucket/k?...,
//     mem://name/k): objects in that store.
//
// The last segments of the path may hold glob patterns (path.Match: *, ?,
// [...]; '?' only in plain paths, since URLs use it for the query), matched
// against the store's listing; a pattern naming a directory (or an object
// prefix ending in '/') loads every object under it except names starting
// with '.' or '_' (markers such as _SUCCESS). Matches are read in key order.
func resolveSources(ctx context.Context, patterns []string) (*sourceSet, error) {
	ss := &sourceSet{}
	for _, p := range patterns {
		if err := ss.add(ctx, p); err != nil {
			ss.close()
			return nil, err
		}
	}
	return ss, nil
}

func (ss *sourceSet) add(ctx context.Context, pattern string) error {
	root, keyPattern, namePrefix, err := splitSourceURL(pattern)
	if err != nil {
		return err
	}
	var st objstore.Store
	if strings.HasPrefix(root, "/") {
		// A local directory: refuse a missing one rather than letting
		// OpenLocal create it.
		fi, err := os.Stat(root)
		if err != nil || !fi.IsDir() {
			return sqlerr.New(codeUndefinedFile, "could not open file %q for reading: No such file or directory", pattern)
		}
		st, err = objstore.OpenLocal(root)
		if err != nil {
			return fmt.Errorf("exec: open %s: %w", root, err)
		}
	} else {
		st, err = objstore.Open(ctx, root)
		if err != nil {
			return sqlerr.Wrap(err, codeUndefinedFile, "could not open %q: %v", namePrefix+keyPattern, err)
		}
	}
	ss.stores = append(ss.stores, st)
	name := func(key string) string { return namePrefix + key }

	meta := strings.IndexAny(keyPattern, "*?[")
	if meta < 0 && keyPattern != "" && !strings.HasSuffix(keyPattern, "/") {
		info, err := st.Stat(ctx, keyPattern)
		if err == nil {
			ss.files = append(ss.files, copySource{store: st, key: keyPattern, size: info.Size, name: name(keyPattern)})
			return nil
		}
		if !errors.Is(err, objstore.ErrNotExist) {
			return fmt.Errorf("exec: stat %s: %w", name(keyPattern), err)
		}
		// Maybe a directory: load what is under it.
		keyPattern += "/"
	}
	var prefix string
	if meta < 0 {
		prefix = keyPattern
	} else {
		prefix = keyPattern[:meta]
	}
	list, err := st.List(ctx, prefix)
	if err != nil {
		return fmt.Errorf("exec: list %s: %w", name(prefix), err)
	}
	n := 0
	for _, o := range list {
		base := path.Base(o.Key)
		if meta < 0 {
			if strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_") {
				continue
			}
		} else if ok, err := path.Match(keyPattern, o.Key); err != nil {
			return sqlerr.New(sqlerr.InvalidParameterValue, "bad file pattern %q: %v", pattern, err)
		} else if !ok {
			continue
		}
		ss.files = append(ss.files, copySource{store: st, key: o.Key, size: o.Size, name: name(o.Key)})
		n++
	}
	if n == 0 {
		return sqlerr.New(codeUndefinedFile, "could not open file %q for reading: No such file or directory", pattern).
			WithDetail("No object matches the pattern.")
	}
	return nil
}

// splitSourceURL cuts a source into the root of a store and the key
// pattern inside it. Local paths root at their deepest literal directory
// (a Local store is a directory); other stores at the bucket or name, with
// the path as the key. namePrefix + key names an object in messages
// (without credentials or URL parameters).
func splitSourceURL(src string) (root, keyPattern, namePrefix string, err error) {
	local := ""
	switch {
	case strings.HasPrefix(src, "/"):
		local = src
	case strings.HasPrefix(src, "file://"):
		local = strings.TrimPrefix(src, "file://")
		if strings.HasPrefix(local, "localhost/") {
			local = strings.TrimPrefix(local, "localhost")
		}
		if !strings.HasPrefix(local, "/") {
			abs, aerr := filepath.Abs(local)
			if aerr != nil {
				return "", "", "", fmt.Errorf("exec: source %q: %w", src, aerr)
			}
			local = abs
		}
	case !strings.Contains(src, "://"):
		return "", "", "", sqlerr.New(sqlerr.InvalidParameterValue, "relative path not allowed for COPY from file: %q", src).
			WithHint("Give an absolute path or a storage URL (file:///..., s3://bucket/..., mem://...).")
	}
	if local != "" {
		clean := path.Clean(local)
		if strings.HasSuffix(local, "/") {
			clean += "/"
		}
		segs := strings.Split(clean, "/")
		first := len(segs) - 1 // the last segment is part of the key at least
		for i, sg := range segs {
			if strings.ContainsAny(sg, "*?[") {
				first = i
				break
			}
		}
		root = strings.Join(segs[:first], "/")
		if root == "" {
			root = "/"
		}
		return root, strings.Join(segs[first:], "/"), strings.TrimSuffix(root, "/") + "/", nil
	}
	u, perr := url.Parse(src)
	if perr != nil {
		return "", "", "", sqlerr.Wrap(perr, sqlerr.InvalidParameterValue, "bad storage URL %q: %v", src, perr)
	}
	key := strings.TrimPrefix(u.Path, "/")
	r := *u
	r.Path, r.RawPath = "", ""
	return r.String(), key, u.Scheme + "://" + u.Host + "/", nil
}

// openSource returns a reader of a whole object. Large objects are read in
// ranges, one range ahead of the consumer, so a multi-GiB file streams in
// bounded memory and, on S3, the next request overlaps parsing. Names ending
// in .gz are decompressed.
func openSource(ctx context.Context, src copySource, counted *int64) (io.ReadCloser, error) {
	var r io.ReadCloser = newObjectReader(ctx, src.store, src.key, src.size, counted)
	if strings.HasSuffix(src.key, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			r.Close()
			return nil, sqlerr.Wrap(err, sqlerr.BadCopyFileFormat, "could not read %q: %v", src.name, err)
		}
		return &gzipSource{zr, r}, nil
	}
	return r, nil
}

type gzipSource struct {
	*gzip.Reader
	under io.Closer
}

func (g *gzipSource) Close() error { return errors.Join(g.Reader.Close(), g.under.Close()) }

// objectChunk is the range size of sequential object reads.
const objectChunk = 8 << 20

type chunkResult struct {
	data []byte
	err  error
}

// objectReader reads an object front to back through GetRange, fetching
// the next chunk while the current one is consumed.
type objectReader struct {
	ch      chan chunkResult
	cancel  context.CancelFunc
	cur     []byte
	err     error
	counted *int64 // bytes handed out, for progress; may be nil
}

func newObjectReader(ctx context.Context, st objstore.Store, key string, size int64, counted *int64) *objectReader {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan chunkResult, 1)
	go func() {
		defer close(ch)
		for off := int64(0); off < size; off += objectChunk {
			n := min(objectChunk, size-off)
			b, err := st.GetRange(ctx, key, off, n)
			if err == nil && int64(len(b)) != n {
				err = fmt.Errorf("exec: read %s: object changed while reading (%d bytes at %d, want %d)", key, len(b), off, n)
			}
			if err != nil {
				err = fmt.Errorf("exec: read %s: %w", key, err)
			}
			select {
			case ch <- chunkResult{b, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return &objectReader{ch: ch, cancel: cancel, counted: counted}
}

func (r *objectReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		c, ok := <-r.ch
		if !ok {
			r.err = io.EOF
			return 0, io.EOF
		}
		if c.err != nil {
			r.err = c.err
			return 0, c.err
		}
		r.cur = c.data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	if r.counted != nil {
		*r.counted += int64(n)
	}
	return n, nil
}

func (r *objectReader) Close() error {
	r.cancel()
	for range r.ch {
	}
	return nil
}
