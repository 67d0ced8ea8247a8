package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

func init() {
	Register("file", func(_ context.Context, u *url.URL) (Store, error) {
		root, err := localRoot(u)
		if err != nil {
			return nil, err
		}
		l, err := OpenLocal(root)
		if err != nil {
			return nil, err
		}
		redacted := *u
		redacted.User = nil
		l.url = redacted.String()
		return l, nil
	})
}

// localRoot turns a file URL into a directory path. Three spellings are
// accepted because people type all of them: file:///abs, file://./rel (host
// "." means the working directory) and the opaque file:rel.
func localRoot(u *url.URL) (string, error) {
	switch {
	case u.Opaque != "":
		return u.Opaque, nil
	case u.Host == "." || u.Host == "..":
		return u.Host + u.Path, nil
	case u.Host == "" || u.Host == "localhost":
		if u.Path == "" {
			return "", fmt.Errorf("objstore: file URL %q names no directory", u.String())
		}
		return u.Path, nil
	default:
		return "", fmt.Errorf("objstore: file URL %q names host %q; only local paths are supported", u.String(), u.Host)
	}
}

// tempPrefix starts the names of files still being written. List and Get
// never see them, and a key whose last segment starts with it is refused, so
// an object can never be mistaken for debris of an interrupted write (or the
// reverse). Leftovers are safe to delete once old.
const tempPrefix = ".tmp-"

// Local is a Store kept in a directory of the local filesystem: the object
// under key "a/b/c" is the file <root>/a/b/c.
//
// Writes go to a temp file in the target directory, are fsynced and then
// published with rename(2) (Put) or link(2) (PutIfAbsent), and the directory
// is fsynced, so a returned nil survives a crash. link(2) fails with EEXIST
// when the name is taken, which makes PutIfAbsent atomic across all processes
// on the host without any lock.
//
// Because keys map to paths, one key cannot be both an object and a proper
// prefix-directory of another ("a/b" and "a/b/c"); the second write fails
// with a plain error. S3 allows that; Apiary's key layouts never need it.
//
// Local is for a single host. On NFS, link(2) is atomic on the server but its
// reply can be lost and attribute caches make listings stale across clients;
// see docs/objstore.md.
type Local struct {
	root string // absolute and clean; never changes
	url  string
}

var _ Store = (*Local)(nil)

// OpenLocal opens (creating it if needed) a directory-backed store.
func OpenLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("objstore: local open %s: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("objstore: local open %s: %w", abs, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("objstore: local open %s: %w", abs, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("objstore: local open %s: not a directory", abs)
	}
	return &Local{root: abs, url: (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()}, nil
}

// Root returns the directory holding the objects.
func (l *Local) Root() string { return l.root }

// URL implements Store.
func (l *Local) URL() string { return l.url }

// Close implements Store. A Local holds no open files between calls.
func (l *Local) Close() error { return nil }

func (l *Local) path(key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	base := key[strings.LastIndexByte(key, '/')+1:]
	if strings.HasPrefix(base, tempPrefix) {
		return "", fmt.Errorf("objstore: key %q: names starting with %q are reserved by the local backend", key, tempPrefix)
	}
	return filepath.Join(l.root, filepath.FromSlash(key)), nil
}

// classify maps a filesystem error onto the Store error contract. ENOTDIR
// means a parent of the path is a regular file, i.e. the key cannot exist.
// Errors that say the request itself is wrong (permissions, read-only
// filesystem, name too long) are permanent; anything else from the I/O path
// (EIO, ENOSPC, ESTALE, EINTR…) leaves the outcome unknown and may pass.
func classify(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return ErrNotExist
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EROFS),
		errors.Is(err, syscall.ENAMETOOLONG), errors.Is(err, syscall.EISDIR),
		errors.Is(err, syscall.EINVAL), errors.Is(err, syscall.ELOOP):
		return nil
	default:
		return ErrTransient
	}
}

// errPrefixConflict reports the one key shape the local backend cannot store:
// an object whose key is a directory-prefix of another object's key.
var errPrefixConflict = errors.New("key and another object's key are prefix-directories of each other")

func localErr(op, key string, err error) error {
	if errors.Is(err, errPrefixConflict) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("objstore: local %s %s: %w", op, key, err)
	}
	switch kind := classify(err); kind {
	case nil:
		return fmt.Errorf("objstore: local %s %s: %w", op, key, err)
	case ErrNotExist:
		return fmt.Errorf("objstore: local %s %s: %w", op, key, ErrNotExist)
	default:
		return fmt.Errorf("objstore: local %s %s: %w: %w", op, key, kind, err)
	}
}

// openRegular opens an object file. A directory at the path is a key prefix,
// not an object, so it reads as missing.
func (l *Local) openRegular(op, key string) (*os.File, fs.FileInfo, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, localErr(op, key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, localErr(op, key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("objstore: local %s %s: %w", op, key, ErrNotExist)
	}
	return f, fi, nil
}

// Get implements Store.
func (l *Local) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, fi, err := l.openRegular("get", key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Size the buffer from fstat of the open file: the rename that replaces
	// an object swaps the whole inode, so this handle's size cannot change.
	buf := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, localErr("get", key, err)
	}
	return buf, nil
}

// GetRange implements Store.
func (l *Local) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	return l.readRange(ctx, key, offset, length, func(n int) []byte { return make([]byte, n) })
}

// readRange reads up to length bytes of the object at offset, as many as
// lie before its end, into the buffer of that size that buf returns: a
// fresh one for GetRange, the caller's for GetRangeInto.
func (l *Local) readRange(ctx context.Context, key string, offset, length int64, buf func(n int) []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("objstore: local get range %s: negative offset or length", key)
	}
	f, fi, err := l.openRegular("get range", key)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := fi.Size()
	if offset >= size {
		return buf(0), nil
	}
	want := min(length, size-offset)
	if want > math.MaxInt {
		// A 32-bit int would wrap and read a short buffer without error.
		return nil, fmt.Errorf("objstore: local get range %s: %d bytes do not fit in memory", key, want)
	}
	b := buf(int(want))
	n, err := f.ReadAt(b, offset)
	if err != nil && !(errors.Is(err, io.EOF) && n == len(b)) {
		return nil, localErr("get range", key, err)
	}
	return b, nil
}

// Stat implements Store.
func (l *Local) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	p, err := l.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return ObjectInfo{}, localErr("stat", key, err)
	}
	if !fi.Mode().IsRegular() {
		return ObjectInfo{}, fmt.Errorf("objstore: local stat %s: %w", key, ErrNotExist)
	}
	return ObjectInfo{Key: key, Size: fi.Size(), Modified: fi.ModTime()}, nil
}

// Put implements Store.
func (l *Local) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := l.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	tmp, err := l.writeTemp(dir, data)
	if err != nil {
		return localErr("put", key, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		if fi, serr := os.Lstat(p); serr == nil && fi.IsDir() {
			return fmt.Errorf("objstore: local put %s: %w", key, errPrefixConflict)
		}
		return localErr("put", key, err)
	}
	// Until the directory is synced the rename may not survive a crash, and
	// the caller may already have acted on our nil.
	if err := syncPublished(dir); err != nil {
		return localErr("put", key, err)
	}
	return nil
}

// PutIfAbsent implements Store.
//
// The temp file is complete and synced before link(2) gives it its final
// name, so the object is never visible partially written, and link fails with
// EEXIST instead of replacing an existing name, so there is no window between
// a check and the write for a rival to slip into.
func (l *Local) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := l.path(key)
	if err != nil {
		return err
	}
	dir := filepath.Dir(p)
	tmp, err := l.writeTemp(dir, data)
	if err != nil {
		return localErr("put if absent", key, err)
	}
	// A lost unlink of the temp leaves only debris for age-based cleanup; it
	// must not turn a committed create into a reported failure.
	defer os.Remove(tmp)
	if err := os.Link(tmp, p); err != nil && !linkedAnyway(tmp, p) {
		if errors.Is(err, fs.ErrExist) {
			if fi, serr := os.Lstat(p); serr == nil && fi.IsDir() {
				return fmt.Errorf("objstore: local put if absent %s: %w", key, errPrefixConflict)
			}
			return fmt.Errorf("objstore: local put if absent %s: %w", key, ErrExist)
		}
		return localErr("put if absent", key, err)
	}
	// The name is visible from here on: a failure below means "written, maybe
	// not durable", which the contract reports as transient so callers read
	// the object back.
	if err := syncPublished(dir); err != nil {
		return fmt.Errorf("objstore: local put if absent %s: %w: %w", key, ErrTransient, err)
	}
	return nil
}

// linkedAnyway reports whether a link(2) that returned an error did create
// the name. On NFS a retransmitted LINK whose first reply was lost fails with
// EEXIST against our own new name; the final name then being the same file
// as our temp file is the reliable test (the nlink == 2 check of open(2)).
func linkedAnyway(tmp, final string) bool {
	a, err := os.Stat(tmp)
	if err != nil {
		return false
	}
	b, err := os.Stat(final)
	return err == nil && os.SameFile(a, b)
}

// writeTemp writes data to a fresh temp file in dir, creating dir if needed,
// and returns its path once the data is synced and the file closed. Close is
// checked because some network and FUSE filesystems report write errors only
// there.
func (l *Local) writeTemp(dir string, data []byte) (string, error) {
	var f *os.File
	// Delete prunes empty directories, so dir or one of its new parents can
	// vanish before our temp file lands in it; from then on rmdir cannot take
	// it. Each retry means a concurrent Delete made progress, so a handful
	// suffices.
	for attempt := 0; ; attempt++ {
		err := l.mkdirs(dir)
		if err == nil {
			f, err = os.CreateTemp(dir, tempPrefix+"*")
			if err == nil {
				break
			}
		}
		if !errors.Is(err, fs.ErrNotExist) || attempt == 16 {
			return "", err
		}
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// mkdirs creates dir and its missing parents below the root, syncing each new
// directory's parent so the entries survive a crash along with the object
// that will be published inside.
func (l *Local) mkdirs(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil, errors.Is(err, syscall.ENOTDIR):
		return errPrefixConflict
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	if dir == l.root || len(dir) < len(l.root) {
		return os.MkdirAll(dir, 0o755)
	}
	parent := filepath.Dir(dir)
	if err := l.mkdirs(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		fi, serr := os.Stat(dir)
		if serr != nil {
			return serr
		}
		if !fi.IsDir() {
			return errPrefixConflict
		}
		// A rival created it and may not have synced its parent yet; ours
		// is cheap insurance on a rare path.
	}
	return syncDir(parent)
}

// syncPublished syncs the directory an object was just published in. If the
// directory is gone, a concurrent Delete removed the object and pruned it:
// the write happened and was superseded, which is not a failure.
func syncPublished(dir string) error {
	if err := syncDir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		d.Close()
		return err
	}
	return d.Close()
}

// Delete implements Store. Emptied parent directories are removed up to the
// root so that short-lived keys (tasks, heartbeats of departed nodes) don't
// leave a growing tree for List to walk. rmdir(2) removes only empty
// directories, and writers retry when their directory vanishes before their
// temp file lands in it, so pruning cannot lose a concurrent write.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := l.path(key)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if classify(err) == ErrNotExist {
			return nil
		}
		return localErr("delete", key, err)
	}
	if fi.IsDir() {
		return nil // a prefix of other keys, not an object
	}
	if err := os.Remove(p); err != nil && classify(err) != ErrNotExist {
		return localErr("delete", key, err)
	}
	for dir := filepath.Dir(p); len(dir) > len(l.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// List implements Store. The walk starts at the deepest directory the prefix
// names and skips subtrees that cannot match, so listing one table's ledger
// does not read the rest of the store. Results are sorted at the end: a
// depth-first walk yields "a/b" before "a-b", but '-' < '/' in byte order.
func (l *Local) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dirKey := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		dirKey = prefix[:i]
		if dirKey == "" || ValidateKey(dirKey) != nil {
			return nil, nil // no valid key lives under such a prefix
		}
	}
	start := l.root
	if dirKey != "" {
		start = filepath.Join(l.root, filepath.FromSlash(dirKey))
	}
	var out []ObjectInfo
	n := 0
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err != nil {
			// Concurrent deletes prune directories under our feet; what
			// vanished simply isn't listed.
			if classify(err) == ErrNotExist {
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			return err
		}
		if p == start {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/") {
				return nil
			}
			return fs.SkipDir
		}
		if !strings.HasPrefix(key, prefix) || strings.HasPrefix(d.Name(), tempPrefix) || !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if classify(err) == ErrNotExist {
				return nil
			}
			return err
		}
		out = append(out, ObjectInfo{Key: key, Size: fi.Size(), Modified: fi.ModTime()})
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("objstore: local list %s: %w", prefix, err)
		}
		if classify(err) == ErrNotExist {
			return nil, nil // the prefix names no directory
		}
		return nil, localErr("list", prefix, err)
	}
	slices.SortFunc(out, func(a, b ObjectInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
