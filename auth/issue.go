package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/ent/user"
)

// Issue creates a token for a user and returns its plaintext, which is
// never stored: show it once. c may be scoped or not; the user must belong
// to tenantID.
func Issue(ctx context.Context, c *ent.Client, tenantID, userID int, name string) (string, *ent.APIToken, error) {
	token, hash, err := apitoken.New()
	if err != nil {
		return "", nil, err
	}
	t, err := c.APIToken.Create().
		SetTenantID(tenantID).
		SetUserID(userID).
		SetName(strings.TrimSpace(name)).
		SetTokenHash(hash).
		Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("auth: create token: %w", err)
	}
	return token, t, nil
}

// UserToken is what CreateUserToken made.
type UserToken struct {
	Token       string
	TenantID    int
	UserID      int
	UserCreated bool
	// RoleChange, when the existing user's role was changed, is to be
	// announced after commit.
	RoleChange *Change
}

// CreateUserToken is the CLI's `token create`: it finds the tenant by slug,
// finds the user by email or creates it with role, and issues a token. An
// existing user keeps its role unless role is given and differs, in which
// case it is updated. Run it inside a transaction (tx).
func CreateUserToken(ctx context.Context, tx *ent.Tx, slug, email string, role user.Role, name string) (UserToken, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return UserToken{}, errors.New("auth: --email is required")
	}
	if role != "" {
		if err := user.RoleValidator(role); err != nil {
			return UserToken{}, fmt.Errorf("auth: --role must be admin or technician, not %q", role)
		}
	}
	tn, err := tx.Tenant.Query().Where(tenant.Slug(slug)).Only(ctx)
	if ent.IsNotFound(err) {
		return UserToken{}, fmt.Errorf("auth: no tenant with slug %q", slug)
	}
	if err != nil {
		return UserToken{}, fmt.Errorf("auth: load tenant: %w", err)
	}
	out := UserToken{TenantID: tn.ID}
	u, err := tx.User.Query().Where(user.TenantID(tn.ID), user.EmailEqualFold(email)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		if role == "" {
			role = user.RoleTechnician
		}
		u, err = tx.User.Create().SetTenantID(tn.ID).SetEmail(email).SetRole(role).Save(ctx)
		out.UserCreated = true
	case err == nil && role != "":
		u, out.RoleChange, err = SetRole(ctx, u, role)
	}
	if err != nil {
		return UserToken{}, fmt.Errorf("auth: user %s: %w", email, err)
	}
	out.UserID = u.ID
	if name == "" {
		name = "cli"
	}
	if out.Token, _, err = Issue(ctx, tx.Client(), tn.ID, u.ID, name); err != nil {
		return UserToken{}, err
	}
	return out, nil
}
