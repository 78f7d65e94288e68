package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/ent/loginsession"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/ent/userlink"
	"github.com/alertdesk/alertdesk/people"
	"github.com/alertdesk/alertdesk/validation"
)

// maxUserNameRunes bounds a user's display name.
const maxUserNameRunes = 200

// adminsLock serializes the changes that could leave a tenant without an
// active admin (demotions, deactivations).
func adminsLock(tenantID int) string { return fmt.Sprintf("admins:%d", tenantID) }

// userName checks an optional display name.
func userName(errs *validation.Error, name *string) string {
	if name == nil {
		return ""
	}
	s := strings.TrimSpace(*name)
	if len([]rune(s)) > maxUserNameRunes {
		errs.Add("name", fmt.Sprintf("must be at most %d characters", maxUserNameRunes))
	}
	return s
}

// inviteUser creates the invited user (or finds one who has not accepted
// yet) and a fresh invitation link, in tx.
func (r *Resolver) inviteUser(ctx context.Context, tx *ent.Tx, tenantID int, email string, name *string, role *user.Role) (*ent.User, string, error) {
	var errs validation.Error
	email, err := people.CheckEmail(email)
	if err != nil {
		errs.Add("email", err.Error())
	}
	n := userName(&errs, name)
	rl := user.RoleTechnician
	if role != nil {
		rl = *role
	}
	if errs.OrNil() != nil {
		return nil, "", &errs
	}
	c := tx.Client()
	if err := r.lockKeys(ctx, tx, "user-email:"+fmt.Sprint(tenantID)+":"+strings.ToLower(email)); err != nil {
		return nil, "", err
	}
	u, err := c.User.Query().Where(user.EmailEqualFold(email)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		u, err = c.User.Create().SetTenantID(tenantID).SetEmail(email).SetName(n).SetRole(rl).Save(ctx)
		if err != nil {
			return nil, "", err
		}
	case err != nil:
		return nil, "", err
	case u.DeactivatedAt != nil:
		return nil, "", fieldError("email", "a deactivated user has this email")
	case u.PasswordHash != "":
		return nil, "", fieldError("email", "a user with this email exists")
	default:
		// Only a pending invitation is sent again; a user made otherwise
		// (the CLI, a token only) is not turned into an invitation.
		pending, err := invitationPending(ctx, c, u)
		if err != nil {
			return nil, "", err
		}
		if !pending {
			return nil, "", fieldError("email", "a user with this email exists")
		}
	}
	token, err := people.NewLink(ctx, c, u, people.KindInvite, time.Now())
	if err != nil {
		return nil, "", err
	}
	return u, token, nil
}

// invitationPending reports whether u was invited and has not accepted:
// no password set and never signed in (single sign-on accepts an
// invitation without a password).
func invitationPending(ctx context.Context, c *ent.Client, u *ent.User) (bool, error) {
	if u.PasswordHash != "" || u.DeactivatedAt != nil {
		return false, nil
	}
	invited, err := c.UserLink.Query().Where(userlink.UserID(u.ID), userlink.KindEQ(userlink.KindInvite)).Exist(ctx)
	if err != nil || !invited {
		return false, err
	}
	signedIn, err := c.LoginSession.Query().Where(loginsession.UserID(u.ID)).Exist(ctx)
	return !signedIn, err
}

// updateUser applies a name and role change in tx; the change to announce
// is non-nil when the role changed.
func (r *Resolver) updateUser(ctx context.Context, tx *ent.Tx, id int, name *string, role *user.Role) (*ent.User, *auth.Change, error) {
	c := tx.Client()
	cur, err := c.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil, notFound("user", id)
	}
	if err != nil {
		return nil, nil, err
	}
	var errs validation.Error
	n := userName(&errs, name)
	if role != nil && *role != cur.Role && cur.Role == user.RoleAdmin && cur.DeactivatedAt == nil {
		if err := r.lockKeys(ctx, tx, adminsLock(cur.TenantID)); err != nil {
			return nil, nil, err
		}
		ok, err := people.KeepsAnAdmin(ctx, c, cur.TenantID, cur.ID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			errs.Add("role", people.ErrLastAdmin.Error())
		}
	}
	if errs.OrNil() != nil {
		return nil, nil, &errs
	}
	if name != nil && n != cur.Name {
		if cur, err = cur.Update().SetName(n).Save(ctx); err != nil {
			return nil, nil, err
		}
	}
	if role == nil {
		return cur, nil, nil
	}
	return auth.SetRole(ctx, cur, *role)
}

// deactivateUser deactivates a user in tx and ends its sign-in sessions;
// the change to announce is nil when it was deactivated already.
func (r *Resolver) deactivateUser(ctx context.Context, tx *ent.Tx, id int) (*ent.User, *auth.Change, error) {
	c := tx.Client()
	cur, err := c.User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil, notFound("user", id)
	}
	if err != nil {
		return nil, nil, err
	}
	if cur.DeactivatedAt != nil {
		return cur, nil, nil
	}
	if cur.Role == user.RoleAdmin {
		if err := r.lockKeys(ctx, tx, adminsLock(cur.TenantID)); err != nil {
			return nil, nil, err
		}
		ok, err := people.KeepsAnAdmin(ctx, c, cur.TenantID, cur.ID)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			return nil, nil, fieldError("id", people.ErrLastAdmin.Error())
		}
	}
	now := time.Now()
	if cur, err = cur.Update().SetDeactivatedAt(now.UTC()).Save(ctx); err != nil {
		return nil, nil, err
	}
	if err := auth.EndUserSessions(ctx, c, cur.TenantID, cur.ID, now); err != nil {
		return nil, nil, err
	}
	// Revoked, not only refused: a reactivation must not revive them.
	if err := c.APIToken.Update().Where(apitoken.UserID(cur.ID), apitoken.RevokedAtIsNil()).
		SetRevokedAt(now.UTC()).Exec(ctx); err != nil {
		return nil, nil, fmt.Errorf("revoke tokens of user %d: %w", cur.ID, err)
	}
	return cur, &auth.Change{TenantID: cur.TenantID, UserID: cur.ID, Reason: auth.ReasonUserDeactivated}, nil
}

// reactivateUser clears a user's deactivation in tx.
func (r *Resolver) reactivateUser(ctx context.Context, tx *ent.Tx, id int) (*ent.User, error) {
	cur, err := tx.Client().User.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, notFound("user", id)
	}
	if err != nil || cur.DeactivatedAt == nil {
		return cur, err
	}
	return cur.Update().ClearDeactivatedAt().Save(ctx)
}
