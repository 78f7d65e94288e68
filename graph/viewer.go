package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/alertdesk/alertdesk/tenancy"
)

// viewer is the caller; every resolver that needs the tenant or user id
// takes it from here (the scoped client filters on its own).
func viewer(ctx context.Context) (tenancy.Viewer, error) {
	v, ok := tenancy.FromContext(ctx)
	if !ok {
		return tenancy.Viewer{}, errUnauthenticated
	}
	return v, nil
}

// adminDirective implements @admin.
func adminDirective(ctx context.Context, _ any, next graphql.Resolver) (any, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	if !v.IsAdmin() {
		return nil, errForbidden
	}
	return next(ctx)
}
