package txn

import (
	"context"
	"errors"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// Reads are idempotent, so transient failures are retried a few times here
// rather than surfacing to every caller. Conditional creates are never
// retried blindly: commit.go reads back after an ambiguous outcome.
const readAttempts = 5

func (m *Manager) get(ctx context.Context, key string) ([]byte, error) {
	var err error
	for attempt := 0; attempt < readAttempts; attempt++ {
		var data []byte
		if data, err = m.store.Get(ctx, key); err == nil || !errors.Is(err, objstore.ErrTransient) {
			return data, err
		}
		if serr := sleepCtx(ctx, backoff(attempt+2, 100*time.Millisecond)); serr != nil {
			return nil, serr
		}
	}
	return nil, err
}

func (m *Manager) stat(ctx context.Context, key string) (objstore.ObjectInfo, error) {
	var err error
	for attempt := 0; attempt < readAttempts; attempt++ {
		var info objstore.ObjectInfo
		if info, err = m.store.Stat(ctx, key); err == nil || !errors.Is(err, objstore.ErrTransient) {
			return info, err
		}
		if serr := sleepCtx(ctx, backoff(attempt+2, 100*time.Millisecond)); serr != nil {
			return objstore.ObjectInfo{}, serr
		}
	}
	return objstore.ObjectInfo{}, err
}

func (m *Manager) list(ctx context.Context, prefix string) ([]objstore.ObjectInfo, error) {
	var err error
	for attempt := 0; attempt < readAttempts; attempt++ {
		var infos []objstore.ObjectInfo
		if infos, err = m.store.List(ctx, prefix); err == nil || !errors.Is(err, objstore.ErrTransient) {
			return infos, err
		}
		if serr := sleepCtx(ctx, backoff(attempt+2, 100*time.Millisecond)); serr != nil {
			return nil, serr
		}
	}
	return nil, err
}
