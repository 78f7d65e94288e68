package graph

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/validation"
)

// Length limits of free text.
const (
	maxNameRunes        = 200
	maxDescriptionRunes = 2000
)

// checkName trims a required name and reports it under field when blank or
// longer than maxRunes.
func checkName(errs *validation.Error, field, s string, maxRunes int) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		errs.Add(field, "is required")
	case n > maxRunes:
		errs.Add(field, fmt.Sprintf("must be at most %d characters (has %d)", maxRunes, n))
	}
	return s
}

// checkLength reports an optional text longer than maxRunes.
func checkLength(errs *validation.Error, field, s string, maxRunes int) string {
	s = strings.TrimSpace(s)
	if n := utf8.RuneCountInString(s); n > maxRunes {
		errs.Add(field, fmt.Sprintf("must be at most %d characters (has %d)", maxRunes, n))
	}
	return s
}

// checkURL reports a non-empty value that is not an absolute http(s) URL.
func checkURL(errs *validation.Error, field, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs.Add(field, "must be an http or https URL")
	}
	return s
}

// refs looks records up through a (scoped) client, so a record of another
// tenant does not exist. It implements rule.Refs.
type refs struct{ c *ent.Client }

func (r refs) Board(ctx context.Context, id int) (rule.Ref, error) {
	b, err := r.c.Board.Query().Where(board.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return rule.Ref{}, nil
	}
	if err != nil {
		return rule.Ref{}, err
	}
	return rule.Ref{Exists: true, Retired: b.RetiredAt != nil}, nil
}

func (r refs) Priority(ctx context.Context, id int) (rule.Ref, error) {
	p, err := r.c.Priority.Query().Where(priority.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return rule.Ref{}, nil
	}
	if err != nil {
		return rule.Ref{}, err
	}
	return rule.Ref{Exists: true, Retired: p.RetiredAt != nil}, nil
}

func (r refs) Status(ctx context.Context, id int) (rule.Ref, error) {
	st, err := r.c.TicketStatus.Query().Where(ticketstatus.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return rule.Ref{}, nil
	}
	if err != nil {
		return rule.Ref{}, err
	}
	return rule.Ref{Exists: true, Retired: st.RetiredAt != nil, Closed: st.IsClosed}, nil
}

// exists adapts a lookup to validation.Error.CheckRef.
func exists(look func(context.Context, int) (rule.Ref, error)) func(context.Context, int) (bool, error) {
	return func(ctx context.Context, id int) (bool, error) {
		ref, err := look(ctx, id)
		return ref.Exists, err
	}
}

// User reports an active user: a deactivated one is not chosen again.
func (r refs) User(ctx context.Context, id int) (bool, error) {
	return r.c.User.Query().Where(user.ID(id), user.DeactivatedAtIsNil()).Exist(ctx)
}

// checkAssignee reports an assignee that does not exist or is deactivated.
func checkAssignee(ctx context.Context, c *ent.Client, errs *validation.Error, field string, id *int) error {
	if id == nil {
		return nil
	}
	u, err := c.User.Query().Where(user.ID(*id)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		errs.Add(field, fmt.Sprintf("user %d does not exist", *id))
	case err != nil:
		return fmt.Errorf("look up user %d: %w", *id, err)
	case u.DeactivatedAt != nil:
		errs.Add(field, fmt.Sprintf("user %d is deactivated", *id))
	}
	return nil
}

func (r refs) Integration(ctx context.Context, id int) (bool, error) {
	return r.c.Integration.Query().Where(integration.ID(id)).Exist(ctx)
}

func (r refs) Client(ctx context.Context, id int) (bool, error) {
	return r.c.Customer.Query().Where(customer.ID(id)).Exist(ctx)
}

func (r refs) Asset(ctx context.Context, id int) (bool, error) {
	return r.c.Asset.Query().Where(asset.ID(id)).Exist(ctx)
}
