package graph

import "github.com/alertdesk/alertdesk/ent"

// errDangling is a reference whose target cannot be loaded in the tenant;
// it only happens with inconsistent data, and reads as not found.
var errDangling = coded(CodeNotFound, "referenced record not found")

// required turns a missing record for a non-null field into an error.
func required[T any](v *T, err error) (*T, error) {
	if err == nil && v == nil {
		return nil, errDangling
	}
	return v, err
}

// orNil returns nil, nil for a record that does not exist in the tenant:
// single-record queries answer null rather than an error.
func orNil[T any](v *T, err error) (*T, error) {
	if err != nil && ent.IsNotFound(err) {
		return nil, nil
	}
	return v, err
}

func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
