package sqlerr

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// The code of an error is the innermost coded one; a cancellation is
// 57014; among errors joined from several bees, the one that is not a
// cancellation names the failure.
func TestCodeOf(t *testing.T) {
	boom := errors.New("boom")
	for _, c := range []struct {
		err  error
		want Code
	}{
		{nil, SuccessfulCompletion},
		{boom, InternalError},
		{fmt.Errorf("scan: %w", New(DivisionByZero, "division by zero")), DivisionByZero},
		{fmt.Errorf("read: %w", context.Canceled), QueryCanceled},
		{context.DeadlineExceeded, QueryCanceled},
		{errors.Join(context.Canceled, boom), InternalError},
		{errors.Join(fmt.Errorf("bee 2: %w", context.Canceled), New(DivisionByZero, "division by zero")), DivisionByZero},
		{errors.Join(context.Canceled, fmt.Errorf("bee 1: %w", context.Canceled)), QueryCanceled},
		{&Error{Code: OutOfMemory, Message: "out of memory", Err: errors.Join(context.Canceled, boom)}, OutOfMemory},
	} {
		if got := CodeOf(c.err); got != c.want {
			t.Errorf("CodeOf(%v) = %s, want %s", c.err, got, c.want)
		}
	}
}
