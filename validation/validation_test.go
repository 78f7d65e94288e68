package validation

import (
	"errors"
	"testing"
)

func TestError(t *testing.T) {
	var e Error
	if e.OrNil() != nil {
		t.Fatal("empty Error must be nil")
	}
	e.Add("name", "is required")
	other := &Error{}
	other.Add("recurrence.days", "must not be empty")
	e.Merge(other)
	e.Merge(nil)

	got := e.OrNil()
	if got == nil {
		t.Fatal("non-empty Error must not be nil")
	}
	if want := "invalid input: name: is required; recurrence.days: must not be empty"; got.Error() != want {
		t.Errorf("Error() = %q, want %q", got.Error(), want)
	}
	if m := got.Messages("name"); len(m) != 1 || m[0] != "is required" {
		t.Errorf("Messages(name) = %v", m)
	}
	var err error = got
	var ve *Error
	if !errors.As(err, &ve) || len(ve.Errors) != 2 {
		t.Errorf("errors.As failed: %v", err)
	}
	var nilErr *Error
	if nilErr.Error() != "invalid input" || nilErr.Messages("x") != nil {
		t.Error("nil *Error must be safe to call")
	}
}
