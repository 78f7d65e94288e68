// Package people manages who may sign in: invitations, passwords set
// through one-time links sent by email (invitations and resets), and the
// rule that a tenant keeps an active admin.
package people

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/ent/userlink"
)

// How long links stay valid.
const (
	InviteLifetime = 7 * 24 * time.Hour
	ResetLifetime  = time.Hour
)

// Link kinds.
const (
	KindInvite = userlink.KindInvite
	KindReset  = userlink.KindReset
)

// ErrLinkInvalid is a link that is unknown, used, expired, or whose user
// was deactivated.
var ErrLinkInvalid = errors.New("people: this link is not valid any more: ask for a new one")

// CheckEmail returns the trimmed address or what is wrong with it.
func CheckEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 320 {
		return s, errors.New("must be an email address")
	}
	return s, nil
}

// NewLink makes a one-time link of kind for u and returns its token
// (shown once, stored hashed). Earlier unused links of that kind for u
// stop working. db may be scoped and a transaction's.
func NewLink(ctx context.Context, db *ent.Client, u *ent.User, kind userlink.Kind, now time.Time) (string, error) {
	token, hash, err := apitoken.New()
	if err != nil {
		return "", err
	}
	lifetime := ResetLifetime
	if kind == KindInvite {
		lifetime = InviteLifetime
	}
	if _, err := db.UserLink.Update().
		Where(userlink.TenantID(u.TenantID), userlink.UserID(u.ID), userlink.KindEQ(kind), userlink.UsedAtIsNil()).
		SetUsedAt(now.UTC()).Save(ctx); err != nil {
		return "", fmt.Errorf("people: retire old links: %w", err)
	}
	if err := db.UserLink.Create().SetTenantID(u.TenantID).SetUserID(u.ID).SetKind(kind).
		SetTokenHash(hash).SetExpiresAt(now.Add(lifetime).UTC()).Exec(ctx); err != nil {
		return "", fmt.Errorf("people: create link: %w", err)
	}
	return token, nil
}

// Lookup finds the valid link of token. db is unscoped: the tenant is not
// known before the link is found.
func Lookup(ctx context.Context, db *ent.Client, token string, now time.Time) (*ent.UserLink, error) {
	if !apitoken.LooksValid(token) {
		return nil, ErrLinkInvalid
	}
	l, err := db.UserLink.Query().
		Where(userlink.TokenHash(apitoken.Hash(token)), userlink.UsedAtIsNil(), userlink.ExpiresAtGT(now)).
		WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("people: look up link: %w", err)
	}
	if u := l.Edges.User; u == nil || u.TenantID != l.TenantID || u.DeactivatedAt != nil {
		return nil, ErrLinkInvalid
	}
	return l, nil
}

// SetPassword uses a link: it checks the password (a *PasswordError when
// weak), sets it, uses the link up and ends the user's other sign-in
// sessions. Run it in a transaction (tx of the unscoped client).
func SetPassword(ctx context.Context, tx *ent.Tx, token, password string, now time.Time) (*ent.User, error) {
	l, err := Lookup(ctx, tx.Client(), token, now)
	if err != nil {
		return nil, err
	}
	u := l.Edges.User
	if err := auth.CheckPassword(password, u.Email); err != nil {
		return nil, &PasswordError{err}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	// The link is used once: a concurrent use finds it used.
	n, err := tx.UserLink.Update().Where(userlink.ID(l.ID), userlink.UsedAtIsNil()).SetUsedAt(now.UTC()).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("people: use link: %w", err)
	}
	if n == 0 {
		return nil, ErrLinkInvalid
	}
	if u, err = u.Update().SetPasswordHash(hash).Save(ctx); err != nil {
		return nil, fmt.Errorf("people: set password: %w", err)
	}
	if err := auth.EndUserSessions(ctx, tx.Client(), u.TenantID, u.ID, now); err != nil {
		return nil, err
	}
	return u, nil
}

// PasswordError is a password refused by auth.CheckPassword.
type PasswordError struct{ Err error }

func (e *PasswordError) Error() string { return "password " + e.Err.Error() }
func (e *PasswordError) Unwrap() error { return e.Err }

// ActiveByEmail are the active users with the email, in every tenant (the
// same address may be a user of several MSPs on one installation).
func ActiveByEmail(ctx context.Context, db *ent.Client, email string) ([]*ent.User, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	us, err := db.User.Query().Where(user.EmailEqualFold(email), user.DeactivatedAtIsNil()).
		WithTenant().Order(ent.Asc(user.FieldID)).Limit(20).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("people: users by email: %w", err)
	}
	return us, nil
}

// ErrLastAdmin refuses to leave a tenant without an active admin.
var ErrLastAdmin = errors.New("the tenant's last active admin cannot be demoted or deactivated")

// KeepsAnAdmin reports whether the tenant still has an active admin other
// than userID. db is a transaction's client; the tenant's admins are
// locked against a concurrent demotion where the database can.
func KeepsAnAdmin(ctx context.Context, db *ent.Client, tenantID, userID int) (bool, error) {
	q := db.User.Query().Where(user.TenantID(tenantID), user.RoleEQ(user.RoleAdmin),
		user.DeactivatedAtIsNil(), user.IDNEQ(userID))
	n, err := q.Count(ctx)
	if err != nil {
		return false, fmt.Errorf("people: count admins: %w", err)
	}
	return n > 0, nil
}
