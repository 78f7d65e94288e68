// Package provision creates what a tenant needs before its first alert: the
// tenant, its first admin, and the desk's defaults (a board with open, in
// progress and closed statuses; priorities Urgent to Low). Every step
// creates only what is missing, so running it again changes nothing.
package provision

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/people"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/validation"
)

// BoardName is the default board's name.
const BoardName = "Service Desk"

// Priorities are the default priorities, most urgent first.
var Priorities = []string{"Urgent", "High", "Medium", "Low"}

// Tenant describes a tenant to provision.
type Tenant struct {
	Name       string // shown to people, e.g. "Acme IT"
	Slug       string // lower-case id for the CLI; derived from Name when empty
	AdminEmail string
	AdminName  string
}

// Result is what provisioning found or made.
type Result struct {
	TenantID    int
	Slug        string
	AdminUserID int
	// Created: the tenant is new. AdminCreated: so is its admin, and
	// Token holds the admin's first API token (shown once); empty when
	// the admin already existed.
	Created, AdminCreated bool
	Token                 string
	// PasswordToken, with Token, is a one-time link token (an invitation)
	// that sets the new admin's password: people.Links.URL makes the link.
	PasswordToken string
}

// ErrInitialized is Init's answer when the database already holds another
// tenant: a second tenant is CreateTenant's.
var ErrInitialized = errors.New("provision: already initialized")

// ErrExists is CreateTenant's answer for a slug in use.
var ErrExists = errors.New("provision: tenant exists")

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$`)

// Slug derives a slug from a name: lower case, runs of anything but ASCII
// letters and digits as one dash.
func Slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	s := b.String()
	if len(s) > 100 {
		s = strings.TrimRight(s[:100], "-")
	}
	return s
}

// normalize trims in, derives the slug and checks every field, naming each
// bad one.
func (in Tenant) normalize() (Tenant, error) {
	in.Name, in.AdminName = strings.TrimSpace(in.Name), strings.TrimSpace(in.AdminName)
	in.Slug, in.AdminEmail = strings.TrimSpace(in.Slug), strings.TrimSpace(in.AdminEmail)
	if in.Slug == "" {
		in.Slug = Slug(in.Name)
	}
	var errs validation.Error
	switch {
	case in.Name == "":
		errs.Add("name", "is required")
	case len(in.Name) > 200:
		errs.Add("name", "must be at most 200 characters")
	}
	if !slugPattern.MatchString(in.Slug) {
		errs.Add("slug", "must be lower-case letters, digits and inner dashes, at most 100 characters")
	}
	if a, err := mail.ParseAddress(in.AdminEmail); err != nil || a.Address != in.AdminEmail || len(in.AdminEmail) > 320 {
		errs.Add("adminEmail", "must be an email address")
	}
	if len(in.AdminName) > 200 {
		errs.Add("adminName", "must be at most 200 characters")
	}
	if e := errs.OrNil(); e != nil {
		return in, e
	}
	return in, nil
}

// Init sets up the installation's first tenant. Run again with the same
// slug it completes what is missing and changes nothing else; with another
// slug while a tenant exists it refuses (ErrInitialized).
func Init(ctx context.Context, s *store.Store, in Tenant) (*Result, error) {
	return provision(ctx, s, in, func(ctx context.Context, tx *ent.Tx, slug string) error {
		other, err := tx.Tenant.Query().Where(tenant.SlugNEQ(slug)).First(ctx)
		if err == nil {
			return fmt.Errorf("%w with tenant %q: add another with `alertdesk tenant create`", ErrInitialized, other.Slug)
		}
		if !ent.IsNotFound(err) {
			return fmt.Errorf("provision: tenants: %w", err)
		}
		return nil
	})
}

// CreateTenant adds a tenant to an installation; its slug must be new.
func CreateTenant(ctx context.Context, s *store.Store, in Tenant) (*Result, error) {
	return provision(ctx, s, in, func(ctx context.Context, tx *ent.Tx, slug string) error {
		exists, err := tx.Tenant.Query().Where(tenant.Slug(slug)).Exist(ctx)
		if err != nil {
			return fmt.Errorf("provision: tenants: %w", err)
		}
		if exists {
			return fmt.Errorf("%w: %q", ErrExists, slug)
		}
		return nil
	})
}

func provision(ctx context.Context, s *store.Store, in Tenant, check func(context.Context, *ent.Tx, string) error) (*Result, error) {
	in, err := in.normalize()
	if err != nil {
		return nil, err
	}
	var res *Result
	err = s.Tx(ctx, func(tx *ent.Tx) error {
		// Two provisioning runs at once would both see no tenant.
		if err := s.LockKeys(ctx, tx, "provision"); err != nil {
			return err
		}
		if err := check(ctx, tx, in.Slug); err != nil {
			return err
		}
		res, err = ensure(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func ensure(ctx context.Context, tx *ent.Tx, in Tenant) (*Result, error) {
	res := &Result{Slug: in.Slug}
	t, err := tx.Tenant.Query().Where(tenant.Slug(in.Slug)).Only(ctx)
	if ent.IsNotFound(err) {
		t, err = tx.Tenant.Create().SetSlug(in.Slug).SetName(in.Name).Save(ctx)
		res.Created = true
	}
	if err != nil {
		return nil, fmt.Errorf("provision: tenant: %w", err)
	}
	res.TenantID = t.ID
	u, err := tx.User.Query().Where(user.TenantID(t.ID), user.EmailEqualFold(in.AdminEmail)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		u, err = tx.User.Create().SetTenantID(t.ID).SetEmail(in.AdminEmail).SetName(in.AdminName).
			SetRole(user.RoleAdmin).Save(ctx)
		res.AdminCreated = true
	case err == nil && u.Role != user.RoleAdmin:
		return nil, fmt.Errorf("provision: %s is a %s of tenant %q, not an admin", in.AdminEmail, u.Role, in.Slug)
	}
	if err != nil {
		return nil, fmt.Errorf("provision: admin: %w", err)
	}
	res.AdminUserID = u.ID
	if err := Defaults(ctx, tx, t.ID); err != nil {
		return nil, err
	}
	if res.AdminCreated {
		if res.Token, _, err = auth.Issue(ctx, tx.Client(), t.ID, u.ID, "init"); err != nil {
			return nil, err
		}
		if res.PasswordToken, err = people.NewLink(ctx, tx.Client(), u, people.KindInvite, time.Now()); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// Status is one of a new board's statuses.
type Status struct {
	Name            string
	Closed, Default bool
}

// Statuses are a new board's statuses, in order: one default open status,
// another open one and a closed one.
var Statuses = []Status{
	{Name: "Open", Default: true},
	{Name: "In Progress"},
	{Name: "Closed", Closed: true},
}

// Defaults makes the tenant's desk defaults where missing: the default
// board with its statuses, and the priorities.
func Defaults(ctx context.Context, tx *ent.Tx, tenantID int) error {
	b, err := tx.Board.Query().Where(board.TenantID(tenantID), board.Name(BoardName)).First(ctx)
	if ent.IsNotFound(err) {
		hasDefault, qerr := tx.Board.Query().Where(board.TenantID(tenantID), board.IsDefault(true)).Exist(ctx)
		if qerr != nil {
			return fmt.Errorf("provision: board: %w", qerr)
		}
		b, err = tx.Board.Create().SetTenantID(tenantID).SetName(BoardName).SetIsDefault(!hasDefault).Save(ctx)
	}
	if err != nil {
		return fmt.Errorf("provision: board: %w", err)
	}
	for i, st := range Statuses {
		exists, err := tx.TicketStatus.Query().Where(ticketstatus.TenantID(tenantID), ticketstatus.BoardID(b.ID), ticketstatus.Name(st.Name)).Exist(ctx)
		if err == nil && !exists {
			err = tx.TicketStatus.Create().SetTenantID(tenantID).SetBoardID(b.ID).SetName(st.Name).
				SetSortOrder(i + 1).SetIsClosed(st.Closed).SetIsDefault(st.Default).Exec(ctx)
		}
		if err != nil {
			return fmt.Errorf("provision: status %s: %w", st.Name, err)
		}
	}
	for i, name := range Priorities {
		exists, err := tx.Priority.Query().Where(priority.TenantID(tenantID), priority.Name(name)).Exist(ctx)
		if err == nil && !exists {
			err = tx.Priority.Create().SetTenantID(tenantID).SetName(name).SetSortOrder(i + 1).Exec(ctx)
		}
		if err != nil {
			return fmt.Errorf("provision: priority %s: %w", name, err)
		}
	}
	return nil
}
