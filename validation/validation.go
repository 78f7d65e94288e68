// Package validation carries field-level validation errors, so that API
// layers can show each message next to the form field it belongs to.
package validation

import (
	"context"
	"fmt"
	"strings"
)

// FieldError is one problem with one input field. Field is a dotted path
// from the root of the input ("conditions.messagePattern",
// "recurrence.days").
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// String renders the error as "field: message".
func (e FieldError) String() string { return e.Field + ": " + e.Message }

// Error collects every field problem found in one input. Functions that
// validate return *Error and nil when the input is fine; beware assigning a
// nil *Error to an error variable (the interface would be non-nil): use
// OrNil or return the error interface only when non-nil.
type Error struct {
	Errors []FieldError `json:"errors"`
}

// Error lists every field problem, "invalid input: a: x; b: y".
func (e *Error) Error() string {
	if e == nil || len(e.Errors) == 0 {
		return "invalid input"
	}
	var b strings.Builder
	b.WriteString("invalid input: ")
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.String())
	}
	return b.String()
}

// Add records a problem with field.
func (e *Error) Add(field, message string) {
	e.Errors = append(e.Errors, FieldError{Field: field, Message: message})
}

// Merge appends other's problems (other may be nil).
func (e *Error) Merge(other *Error) {
	if other != nil {
		e.Errors = append(e.Errors, other.Errors...)
	}
}

// Messages returns the messages recorded for field, in order.
func (e *Error) Messages(field string) []string {
	if e == nil {
		return nil
	}
	var out []string
	for _, fe := range e.Errors {
		if fe.Field == field {
			out = append(out, fe.Message)
		}
	}
	return out
}

// OrNil returns e when it holds at least one problem and nil otherwise, so a
// validator can build an Error value and return it in one step.
func (e *Error) OrNil() *Error {
	if e == nil || len(e.Errors) == 0 {
		return nil
	}
	return e
}

// CheckRef records "<kind> <id> does not exist" under field when the
// optional id names no record: a non-positive id without a lookup, else
// when exists says so. A failed lookup is the error.
func (e *Error) CheckRef(ctx context.Context, field, kind string, id *int, exists func(context.Context, int) (bool, error)) error {
	if id == nil {
		return nil
	}
	ok := false
	if *id > 0 {
		var err error
		if ok, err = exists(ctx, *id); err != nil {
			return fmt.Errorf("look up %s %d: %w", kind, *id, err)
		}
	}
	if !ok {
		e.Add(field, fmt.Sprintf("%s %d does not exist", kind, *id))
	}
	return nil
}
