// Package sqlerr attaches PostgreSQL SQLSTATE codes to errors. It is the one
// gateway between Go errors and what a client sees: catalog and exec attach a
// code where they know what the user did wrong, and the wire server alone
// flattens an error chain into ErrorResponse fields with Flatten.
//
// It imports only the standard library, so every package may use it except
// objstore and txn, which report typed errors of their own and never know
// SQLSTATEs.
package sqlerr

import (
	"context"
	"errors"
	"fmt"
)

// Code is a five-character SQLSTATE.
type Code string

// The SQLSTATEs Apiary reports. Names follow PostgreSQL's errcodes.txt.
const (
	SuccessfulCompletion         Code = "00000"
	ConnectionFailure            Code = "08006"
	ProtocolViolation            Code = "08P01"
	FeatureNotSupported          Code = "0A000"
	CardinalityViolation         Code = "21000"
	DataException                Code = "22000"
	StringDataRightTruncation    Code = "22001"
	NumericValueOutOfRange       Code = "22003"
	InvalidDatetimeFormat        Code = "22007"
	DatetimeFieldOverflow        Code = "22008"
	DivisionByZero               Code = "22012"
	InvalidParameterValue        Code = "22023"
	InvalidTextRepresentation    Code = "22P02"
	InvalidBinaryRepresentation  Code = "22P03"
	ObjectNotInPrerequisiteState Code = "55000"
	CharacterNotInRepertoire     Code = "22021"
	BadCopyFileFormat            Code = "22P04"
	NotNullViolation             Code = "23502"
	InvalidTransactionState      Code = "25000"
	ActiveSQLTransaction         Code = "25001"
	NoActiveSQLTransaction       Code = "25P01"
	InFailedSQLTransaction       Code = "25P02"
	ReadOnlySQLTransaction       Code = "25006"
	InvalidSQLStatementName      Code = "26000"
	InvalidAuthorization         Code = "28000"
	InvalidPassword              Code = "28P01"
	InvalidCursorName            Code = "34000"
	InvalidCatalogName           Code = "3D000"
	InvalidSchemaName            Code = "3F000"
	SerializationFailure         Code = "40001"
	SyntaxError                  Code = "42601"
	InsufficientPrivilege        Code = "42501"
	GroupingError                Code = "42803"
	WindowingError               Code = "42P20"
	DatatypeMismatch             Code = "42804"
	CannotCoerce                 Code = "42846"
	InvalidColumnReference       Code = "42P10"
	UndefinedParameter           Code = "42P02"
	UndefinedColumn              Code = "42703"
	UndefinedFunction            Code = "42883"
	UndefinedTable               Code = "42P01"
	UndefinedObject              Code = "42704"
	InvalidName                  Code = "42602"
	IndeterminateDatatype        Code = "42P18"
	UndefinedDatabase            Code = "3D000"
	UndefinedSchema              Code = "3F000"
	AmbiguousColumn              Code = "42702"
	DuplicateColumn              Code = "42701"
	DuplicateTable               Code = "42P07"
	DuplicateDatabase            Code = "42P04"
	DuplicateSchema              Code = "42P06"
	DuplicatePreparedStatement   Code = "42P05"
	DuplicateCursor              Code = "42P03"
	InvalidTableDefinition       Code = "42P16"
	WrongObjectType              Code = "42809"
	DependentObjectsStillExist   Code = "2BP01"
	ObjectInUse                  Code = "55006"
	InsufficientResources        Code = "53000"
	OutOfMemory                  Code = "53200"
	TooManyConnections           Code = "53300"
	ProgramLimitExceeded         Code = "54000"
	QueryCanceled                Code = "57014"
	AdminShutdown                Code = "57P01"
	SystemError                  Code = "58000"
	IOError                      Code = "58030"
	InternalError                Code = "XX000"
)

// Error is an error with a SQLSTATE and the optional fields of a PostgreSQL
// ErrorResponse.
type Error struct {
	Code    Code
	Message string
	Detail  string
	Hint    string
	// Position is the 1-based character offset into the statement text that
	// the error points at; 0 means none.
	Position int
	Err      error // the cause, if any
}

func (e *Error) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an error with code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches code to err. The message is err's unless format is given.
func Wrap(err error, code Code, format string, args ...any) *Error {
	e := &Error{Code: code, Err: err}
	if format != "" {
		e.Message = fmt.Sprintf(format, args...)
	}
	return e
}

// WithDetail sets the detail field and returns e.
func (e *Error) WithDetail(format string, args ...any) *Error {
	e.Detail = fmt.Sprintf(format, args...)
	return e
}

// WithHint sets the hint field and returns e.
func (e *Error) WithHint(format string, args ...any) *Error {
	e.Hint = fmt.Sprintf(format, args...)
	return e
}

// WithPosition sets the position field and returns e.
func (e *Error) WithPosition(pos int) *Error {
	e.Position = pos
	return e
}

// CodeOf returns the SQLSTATE of err: the innermost code in the chain wins,
// because the innermost layer knows best what went wrong. Context
// cancellation is 57014; an error without a code is XX000, which is kept for
// real bugs.
func CodeOf(err error) Code {
	if err == nil {
		return SuccessfulCompletion
	}
	var code Code
	for e := err; e != nil; e = errors.Unwrap(e) {
		if se, ok := e.(*Error); ok && se.Code != "" {
			code = se.Code
		}
		if code == "" && (e == context.Canceled || e == context.DeadlineExceeded) {
			return QueryCanceled
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok && code == "" {
			// Joined errors (a failure with its clean-up's, or several
			// workers' where the others were cancelled because one
			// failed): the first that is not a cancellation names the
			// failure. (An uncoded failure beside a cancellation read as
			// 57014, "canceling statement due to user request".)
			for _, x := range j.Unwrap() {
				if c := CodeOf(x); c != QueryCanceled {
					return c
				}
			}
			return QueryCanceled
		}
	}
	if code != "" {
		return code
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return QueryCanceled
	}
	return InternalError
}

// Flatten turns any error chain into one Error with the fields a client
// receives: the code from CodeOf, the outermost message, and the first
// detail, hint and position found walking inwards.
func Flatten(err error) *Error {
	out := &Error{Code: CodeOf(err), Message: err.Error()}
	for e := err; e != nil; e = errors.Unwrap(e) {
		se, ok := e.(*Error)
		if !ok {
			continue
		}
		if out.Detail == "" {
			out.Detail = se.Detail
		}
		if out.Hint == "" {
			out.Hint = se.Hint
		}
		if out.Position == 0 {
			out.Position = se.Position
		}
	}
	if out.Code == QueryCanceled && !hasCode(err) {
		out.Message = "canceling statement due to user request"
		if errors.Is(err, context.DeadlineExceeded) {
			out.Message = "canceling statement due to statement timeout"
		}
	}
	return out
}

func hasCode(err error) bool {
	var se *Error
	return errors.As(err, &se) && se.Code != ""
}
