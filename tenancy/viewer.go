// Package tenancy scopes the API's database access to one tenant. A Viewer
// (tenant, user, role) travels in the request context, and the ent client
// from Client applies it to every query and mutation, so resolvers cannot
// forget the tenant filter. The pipeline and webhooks keep the unscoped
// store client: they take the tenant from the integration instead.
package tenancy

import (
	"context"
	"errors"
)

// Role is what a user may do.
type Role string

// Roles, as stored in users.role.
const (
	RoleAdmin      Role = "admin"
	RoleTechnician Role = "technician"
)

// Viewer is who is making a request.
type Viewer struct {
	TenantID int
	UserID   int
	Role     Role
}

// IsAdmin reports whether the viewer may change configuration.
func (v Viewer) IsAdmin() bool { return v.Role == RoleAdmin }

// ErrNoViewer is returned by the scoped client when the context carries no
// viewer: unscoped access through it is refused, never widened.
var ErrNoViewer = errors.New("tenancy: no viewer in context")

type viewerKey struct{}

// WithViewer returns ctx carrying v.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// FromContext returns the viewer of ctx, if any. A viewer without a tenant
// is treated as absent.
func FromContext(ctx context.Context) (Viewer, bool) {
	v, ok := ctx.Value(viewerKey{}).(Viewer)
	if !ok || v.TenantID <= 0 {
		return Viewer{}, false
	}
	return v, true
}
