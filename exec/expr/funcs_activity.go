package expr

import (
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// pg_cancel_backend and pg_terminate_backend act on other sessions of the
// node through the session's BackendSignaler (exec's query registry).

// BackendSignaler is implemented by a Session that can reach the other
// sessions of its node. Implementations must be safe for concurrent use.
type BackendSignaler interface {
	// CancelBackend cancels the running statement of the session with
	// that PID; false when there is no such session.
	CancelBackend(pid int32) bool
	// TerminateBackend ends the session with that PID, waiting up to
	// timeout (when positive) for it to be gone; false when there is no
	// such session, or it did not end within the timeout.
	TerminateBackend(pid int32, timeout time.Duration) (bool, error)
}

func init() {
	// Volatile as well as env-reading: never folded while binding, so
	// EXPLAIN signals nothing, and called for every row.
	def("pg_cancel_backend", &overload{params: []vec.Type{tInt4}, ret: tBool, kern: cancelBackend, flags: usesEnv | volatile})
	def("pg_terminate_backend",
		&overload{params: []vec.Type{tInt4}, ret: tBool, kern: terminateBackend, flags: usesEnv | volatile},
		&overload{params: []vec.Type{tInt4, tInt8}, ret: tBool, kern: terminateBackend, flags: usesEnv | volatile})
}

func signaler(c *Ctx) (BackendSignaler, error) {
	s, err := session(c)
	if err != nil {
		return nil, err
	}
	sig, ok := s.(BackendSignaler)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "this session cannot signal other sessions")
	}
	return sig, nil
}

func cancelBackend(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	sig, err := signaler(c)
	if err != nil {
		return err
	}
	pid, b := intsOf(args[0]), out.Bools()
	return eachRow(n, sel, nulls, func(i int) error {
		b[i] = sig.CancelBackend(int32(pid(i)))
		return nil
	})
}

func terminateBackend(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	sig, err := signaler(c)
	if err != nil {
		return err
	}
	pid, b := intsOf(args[0]), out.Bools()
	timeout := func(int) int64 { return 0 }
	if len(args) > 1 {
		timeout = intsOf(args[1])
	}
	return eachRow(n, sel, nulls, func(i int) error {
		ms := timeout(i)
		if ms < 0 {
			return sqlerr.New(sqlerr.InvalidParameterValue, "\"timeout\" must not be negative")
		}
		ok, err := sig.TerminateBackend(int32(pid(i)), time.Duration(ms)*time.Millisecond)
		b[i] = ok
		return err
	})
}
