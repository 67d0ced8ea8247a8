package objstore

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

func init() {
	Register("mem", func(_ context.Context, u *url.URL) (Store, error) {
		return namedMem(u.Host + u.Path), nil
	})
}

// memStores holds the mem:// stores by name so that two Opens of the same URL
// in one process share their objects, as two opens of one directory would.
var memStores = struct {
	sync.Mutex
	m map[string]*Mem
}{m: map[string]*Mem{}}

func namedMem(name string) *Mem {
	memStores.Lock()
	defer memStores.Unlock()
	if s, ok := memStores.m[name]; ok {
		return s
	}
	s := NewMem()
	s.url = "mem://" + name
	memStores.m[name] = s
	return s
}

// Mem is a process-local Store kept in memory. It is meant for tests and for
// single-process experiments; nothing survives the process.
type Mem struct {
	url string
	mu  sync.RWMutex
	obj map[string]memObject // guarded by mu
}

type memObject struct {
	data     []byte
	modified time.Time
}

var _ Store = (*Mem)(nil)

// NewMem returns an empty in-memory store.
func NewMem() *Mem {
	return &Mem{url: "mem://", obj: map[string]memObject{}}
}

func (m *Mem) lookup(key string) (memObject, error) {
	if err := ValidateKey(key); err != nil {
		return memObject{}, err
	}
	m.mu.RLock()
	o, ok := m.obj[key]
	m.mu.RUnlock()
	if !ok {
		return memObject{}, fmt.Errorf("get %s: %w", key, ErrNotExist)
	}
	return o, nil
}

// Get implements Store.
func (m *Mem) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	o, err := m.lookup(key)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), o.data...), nil
}

// GetRange implements Store.
func (m *Mem) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if offset < 0 || length < 0 {
		return nil, fmt.Errorf("objstore: get range %s: negative offset or length", key)
	}
	o, err := m.lookup(key)
	if err != nil {
		return nil, err
	}
	size := int64(len(o.data))
	if offset >= size {
		return []byte{}, nil
	}
	end := min(offset+length, size)
	return append([]byte(nil), o.data[offset:end]...), nil
}

// Put implements Store.
func (m *Mem) Put(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	m.obj[key] = memObject{data: append([]byte(nil), data...), modified: time.Now()}
	m.mu.Unlock()
	return nil
}

// PutIfAbsent implements Store.
func (m *Mem) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.obj[key]; ok {
		return fmt.Errorf("put if absent %s: %w", key, ErrExist)
	}
	m.obj[key] = memObject{data: append([]byte(nil), data...), modified: time.Now()}
	return nil
}

// List implements Store.
func (m *Mem) List(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	var out []ObjectInfo
	for k, o := range m.obj {
		if strings.HasPrefix(k, prefix) {
			out = append(out, ObjectInfo{Key: k, Size: int64(len(o.data)), Modified: o.modified})
		}
	}
	m.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Stat implements Store.
func (m *Mem) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	o, err := m.lookup(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{Key: key, Size: int64(len(o.data)), Modified: o.modified}, nil
}

// Delete implements Store.
func (m *Mem) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ValidateKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.obj, key)
	m.mu.Unlock()
	return nil
}

// URL implements Store.
func (m *Mem) URL() string { return m.url }

// Close implements Store. A mem store keeps its objects after Close so that a
// reopened mem:// URL still finds them, as a directory would.
func (m *Mem) Close() error { return nil }
