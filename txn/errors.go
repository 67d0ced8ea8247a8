package txn

import (
	"errors"
	"fmt"
)

// Sentinel errors. Functions wrap them with context; callers test them with
// errors.Is.
var (
	// ErrConflict reports that a concurrent transaction committed a change
	// this transaction's reads or writes depend on (or that the commit gave
	// up after Options.MaxCommitAttempts lost races). Nothing of the
	// transaction was committed; running it again may succeed. The SQL layer
	// reports it as SQLSTATE 40001. Errors carry a *ConflictError with the
	// details when one winner is to blame.
	ErrConflict = errors.New("txn: conflict with a concurrent transaction")
	// ErrUnsupportedFormat reports a commit, checkpoint or transaction record
	// written in a newer format than this build understands.
	ErrUnsupportedFormat = errors.New("txn: unsupported ledger format")
	// ErrAborted reports that a multi-ledger transaction was aborted before
	// its commit point: by Abort, by a failure while writing its intents, or
	// by another node that found its intents past their deadline.
	ErrAborted = errors.New("txn: transaction aborted")
	// ErrCorrupt reports a ledger object that cannot be decoded. Errors carry
	// a *CorruptEntryError naming the object.
	ErrCorrupt = errors.New("txn: corrupt ledger entry")
	// ErrNoLedger reports a request for a version of a ledger that has no
	// commits at all.
	ErrNoLedger = errors.New("txn: ledger has no commits")
	// ErrVersionNotFound reports a request for a version newer than the
	// ledger's latest.
	ErrVersionNotFound = errors.New("txn: ledger version does not exist")
	// ErrTxnDone reports use of a transaction after Commit or Abort.
	ErrTxnDone = errors.New("txn: transaction already committed or aborted")
)

// CorruptEntryError describes an undecodable ledger object. errors.Is(err,
// ErrCorrupt) holds for it.
type CorruptEntryError struct {
	// Version is the ledger version the object covers (-1 when unknown).
	Version int64
	// Key is the object's key in the store.
	Key string
	// Err is the decoding error.
	Err error
}

func (e *CorruptEntryError) Error() string {
	return fmt.Sprintf("txn: corrupt ledger entry %s (version %d): %v", e.Key, e.Version, e.Err)
}

// Unwrap returns both ErrCorrupt and the decoding error, so errors.Is works
// for either.
func (e *CorruptEntryError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

// ConflictError details a conflict: which ledger, which winning commit and
// why. errors.Is(err, ErrConflict) holds for it.
type ConflictError struct {
	// Ledger is the prefix of the ledger where the conflict was found.
	Ledger string
	// WinnerVersion is the version of the concurrent commit that conflicts.
	WinnerVersion int64
	// WinnerTxnID is the transaction that wrote it.
	WinnerTxnID string
	// Reason says which rule fired ("winner changed the metadata", ...).
	Reason string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("txn: conflict in ledger %s with version %d (txn %s): %s", e.Ledger, e.WinnerVersion, e.WinnerTxnID, e.Reason)
}

// Unwrap returns ErrConflict.
func (e *ConflictError) Unwrap() error { return ErrConflict }
