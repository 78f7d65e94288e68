package tenancy

import (
	"context"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/intercept"
	"github.com/alertdesk/alertdesk/store"
)

// tenantColumn is the column every tenant-scoped table carries.
const tenantColumn = "tenant_id"

// ErrCrossTenant is returned when a write names another tenant, or tries to
// create or delete a tenant.
var ErrCrossTenant = errors.New("tenancy: write outside the viewer's tenant")

// Client returns a new ent client over the store's pool whose every query
// and mutation is scoped to the viewer in the context (see Scope). It shares
// the pool (and on SQLite its single connection) with s.Ent, so never use
// both inside one transaction. Do not Close it: that would close the pool.
func Client(s *store.Store) *ent.Client {
	return NewClient(store.Driver(s.Dialect, s.DB))
}

// NewClient returns a scoped ent client over drv (tests pass a wrapped
// driver to count statements).
func NewClient(drv dialect.Driver) *ent.Client {
	c := ent.NewClient(ent.Driver(drv))
	Scope(c)
	return c
}

// Scope installs the tenant filter on c: a traversal interceptor adding
// tenant_id = viewer's tenant (id for the tenants table) to every query,
// including eager loads and edge traversals, and a hook doing the same for
// updates and deletes and setting or checking tenant_id on creates. Without
// a viewer in the context every operation fails with ErrNoViewer.
func Scope(c *ent.Client) {
	c.Intercept(intercept.TraverseFunc(filterQuery))
	c.Use(scopeMutation)
}

func filterQuery(ctx context.Context, q intercept.Query) error {
	v, ok := FromContext(ctx)
	if !ok {
		return fmt.Errorf("%w: %s query", ErrNoViewer, q.Type())
	}
	if q.Type() == ent.TypeTenant {
		q.WhereP(sql.FieldEQ("id", v.TenantID))
		return nil
	}
	q.WhereP(sql.FieldEQ(tenantColumn, v.TenantID))
	return nil
}

// wherer is implemented by every generated mutation.
type wherer interface {
	WhereP(...func(*sql.Selector))
}

func scopeMutation(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		v, ok := FromContext(ctx)
		if !ok {
			return nil, fmt.Errorf("%w: %s %s", ErrNoViewer, m.Op(), m.Type())
		}
		w, ok := m.(wherer)
		if !ok {
			return nil, fmt.Errorf("tenancy: %s mutation cannot be scoped", m.Type())
		}
		if m.Type() == ent.TypeTenant {
			if !m.Op().Is(ent.OpUpdate | ent.OpUpdateOne) {
				return nil, fmt.Errorf("%w: %s tenant", ErrCrossTenant, m.Op())
			}
			w.WhereP(sql.FieldEQ("id", v.TenantID))
			return next.Mutate(ctx, m)
		}
		if m.Op().Is(ent.OpCreate) {
			if err := setTenant(m, v.TenantID); err != nil {
				return nil, err
			}
			return next.Mutate(ctx, m)
		}
		w.WhereP(sql.FieldEQ(tenantColumn, v.TenantID))
		return next.Mutate(ctx, m)
	})
}

// setTenant fills tenant_id on a create, or refuses a different one.
func setTenant(m ent.Mutation, tenantID int) error {
	if cur, ok := m.Field(tenantColumn); ok {
		if id, _ := cur.(int); id != tenantID {
			return fmt.Errorf("%w: create %s in tenant %v", ErrCrossTenant, m.Type(), cur)
		}
		return nil
	}
	if err := m.SetField(tenantColumn, tenantID); err != nil {
		return fmt.Errorf("tenancy: set tenant on %s: %w", m.Type(), err)
	}
	return nil
}
