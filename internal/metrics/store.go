package metrics

import (
	"context"
	"errors"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/apiarydb/apiary/objstore"
)

// Storage operations, the values of the operation label: one per
// objstore.Store method.
const (
	opGet = iota
	opGetRange
	opPut
	opPutIfAbsent
	opList
	opStat
	opDelete
	numOps
)

var opNames = [numOps]string{"get", "get_range", "put", "put_if_absent", "list", "stat", "delete"}

// storageBuckets reach from a local file's fsync-free read to a slow S3
// request on a congested link.
var storageBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type storageCollectors struct {
	requests, errors   *prometheus.CounterVec   // backend, operation
	duration           *prometheus.HistogramVec // backend, operation
	readBytes, written *prometheus.CounterVec   // backend
	// totals are the requests and failures of every instrumented store,
	// for StorageCounters.
	totals *storageTotals
}

type storageTotals struct{ requests, failed atomic.Uint64 }

func newStorageCollectors(f factory) storageCollectors {
	return storageCollectors{
		requests: f.counterVec("apiary_storage_requests_total",
			"Requests to object storage, by backend (URL scheme) and operation.", "backend", "operation"),
		errors: f.counterVec("apiary_storage_errors_total",
			"Requests to object storage that failed, by backend and operation. A missing key, a lost create-if-absent race and a cancelled request are answers, not failures, and are not counted.",
			"backend", "operation"),
		duration: f.histogramVec("apiary_storage_request_duration_seconds",
			"Time object storage requests took, by backend and operation.", storageBuckets, "backend", "operation"),
		readBytes: f.counterVec("apiary_storage_read_bytes_total",
			"Bytes read from object storage, by backend.", "backend"),
		written: f.counterVec("apiary_storage_written_bytes_total",
			"Bytes written to object storage, by backend.", "backend"),
		totals: &storageTotals{},
	}
}

// StorageCounters returns how many requests the instrumented stores have
// served and how many of them failed (as apiary_storage_errors_total
// counts failures), summed over backends and operations: the storage
// input of the colony temperature (exec.Config.StorageCounters).
func (m *Metrics) StorageCounters() (requests, failed uint64) {
	return m.storage.totals.requests.Load(), m.storage.totals.failed.Load()
}

// opCollectors are one operation's children of the storage vectors,
// resolved once so that a request costs no label lookup.
type opCollectors struct {
	requests, errors prometheus.Counter
	duration         prometheus.Observer
}

// InstrumentStore returns st with every request counted, timed and its
// failures counted under the backend named by the scheme of st.URL()
// ("file", "s3", "mem"). The returned store passes every call and result
// through unchanged; closing it closes st.
func (m *Metrics) InstrumentStore(st objstore.Store) objstore.Store {
	backend := "unknown"
	if u, err := url.Parse(st.URL()); err == nil && u.Scheme != "" {
		backend = u.Scheme
	}
	s := &instrumentedStore{
		Store:   st,
		read:    m.storage.readBytes.WithLabelValues(backend),
		written: m.storage.written.WithLabelValues(backend),
		totals:  m.storage.totals,
	}
	for op, name := range opNames {
		s.ops[op] = opCollectors{
			requests: m.storage.requests.WithLabelValues(backend, name),
			errors:   m.storage.errors.WithLabelValues(backend, name),
			duration: m.storage.duration.WithLabelValues(backend, name),
		}
	}
	return s
}

type instrumentedStore struct {
	objstore.Store
	ops           [numOps]opCollectors
	read, written prometheus.Counter
	totals        *storageTotals
}

var _ objstore.Store = (*instrumentedStore)(nil)

// done records one request that started at start.
func (s *instrumentedStore) done(op int, start time.Time, err error) {
	c := &s.ops[op]
	c.requests.Inc()
	c.duration.Observe(time.Since(start).Seconds())
	s.totals.requests.Add(1)
	if isFailure(err) {
		c.errors.Inc()
		s.totals.failed.Add(1)
	}
}

// isFailure reports whether err means storage misbehaved, rather than
// answered (no such key, key taken) or was abandoned by its caller.
func isFailure(err error) bool {
	return err != nil &&
		!errors.Is(err, objstore.ErrNotExist) &&
		!errors.Is(err, objstore.ErrExist) &&
		!errors.Is(err, context.Canceled) &&
		!errors.Is(err, context.DeadlineExceeded)
}

func (s *instrumentedStore) Get(ctx context.Context, key string) ([]byte, error) {
	start := time.Now()
	b, err := s.Store.Get(ctx, key)
	s.done(opGet, start, err)
	s.read.Add(float64(len(b)))
	return b, err
}

func (s *instrumentedStore) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	start := time.Now()
	b, err := s.Store.GetRange(ctx, key, offset, length)
	s.done(opGetRange, start, err)
	s.read.Add(float64(len(b)))
	return b, err
}

// GetRangeInto forwards objstore.RangeIntoGetter, so that scans through
// an instrumented store still reuse their buffers.
func (s *instrumentedStore) GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error) {
	start := time.Now()
	b, err := objstore.GetRangeInto(ctx, s.Store, key, offset, dst)
	s.done(opGetRange, start, err)
	s.read.Add(float64(len(b)))
	return b, err
}

func (s *instrumentedStore) Put(ctx context.Context, key string, data []byte) error {
	start := time.Now()
	err := s.Store.Put(ctx, key, data)
	s.done(opPut, start, err)
	if err == nil {
		s.written.Add(float64(len(data)))
	}
	return err
}

func (s *instrumentedStore) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	start := time.Now()
	err := s.Store.PutIfAbsent(ctx, key, data)
	s.done(opPutIfAbsent, start, err)
	if err == nil {
		s.written.Add(float64(len(data)))
	}
	return err
}

func (s *instrumentedStore) List(ctx context.Context, prefix string) ([]objstore.ObjectInfo, error) {
	start := time.Now()
	infos, err := s.Store.List(ctx, prefix)
	s.done(opList, start, err)
	return infos, err
}

func (s *instrumentedStore) Stat(ctx context.Context, key string) (objstore.ObjectInfo, error) {
	start := time.Now()
	info, err := s.Store.Stat(ctx, key)
	s.done(opStat, start, err)
	return info, err
}

func (s *instrumentedStore) Delete(ctx context.Context, key string) error {
	start := time.Now()
	err := s.Store.Delete(ctx, key)
	s.done(opDelete, start, err)
	return err
}
