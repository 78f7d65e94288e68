package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/user"
)

// ChangesChannel is the Redis channel of auth changes. There is one for all
// tenants, so each process holds a single subscription; a change names its
// tenant, and only sessions of that tenant match it.
const ChangesChannel = "alertdesk:auth"

// Why a change ends sessions; the text is the WebSocket close reason.
const (
	ReasonTokenRevoked    = "token revoked"
	ReasonUserDeactivated = "user deactivated"
	ReasonRoleChanged     = "role changed"
	ReasonSignedOut       = "signed out"
)

// Change says that a token or a user no longer authenticates as it did:
// the connections of TokenID or of sign-in session SessionID, or all
// connections of UserID, end on every replica.
type Change struct {
	TenantID  int    `json:"tenantId"`
	TokenID   int    `json:"tokenId,omitempty"`
	SessionID int    `json:"sessionId,omitempty"`
	UserID    int    `json:"userId,omitempty"`
	Reason    string `json:"reason"`
}

// Announce publishes a committed change to every replica (their Sessions).
// Call it after the change's transaction commits: a replica receiving it
// earlier could still read the old state.
func Announce(ctx context.Context, rdb redis.Cmdable, c Change) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("auth: encode change: %w", err)
	}
	if err := rdb.Publish(ctx, ChangesChannel, b).Err(); err != nil {
		return fmt.Errorf("auth: announce change: %w", err)
	}
	return nil
}

func decodeChange(payload string) (Change, error) {
	var c Change
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		return c, fmt.Errorf("auth: decode change: %w", err)
	}
	if c.TenantID <= 0 || (c.TokenID <= 0 && c.SessionID <= 0 && c.UserID <= 0) {
		return c, fmt.Errorf("auth: change names no tenant, token or user: %s", payload)
	}
	return c, nil
}

// RevokeToken revokes a token of c (scoped or not). The change is nil when
// the token was revoked already; otherwise announce it after commit. A
// missing token is ent's not-found error.
func RevokeToken(ctx context.Context, c *ent.Client, id int, now time.Time) (*ent.APIToken, *Change, error) {
	t, err := c.APIToken.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if t.RevokedAt != nil {
		return t, nil, nil
	}
	if t, err = t.Update().SetRevokedAt(now.UTC()).Save(ctx); err != nil {
		return nil, nil, fmt.Errorf("auth: revoke token %d: %w", id, err)
	}
	return t, &Change{TenantID: t.TenantID, TokenID: t.ID, Reason: ReasonTokenRevoked}, nil
}

// SetRole changes a user's role. The change is nil when the role was that
// already; otherwise announce it after commit, so the user's open
// connections, authorized under the old role, end.
func SetRole(ctx context.Context, u *ent.User, role user.Role) (*ent.User, *Change, error) {
	if err := user.RoleValidator(role); err != nil {
		return nil, nil, fmt.Errorf("auth: role must be admin or technician, not %q", role)
	}
	if u.Role == role {
		return u, nil, nil
	}
	changed, err := u.Update().SetRole(role).Save(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: set role of user %d: %w", u.ID, err)
	}
	return changed, &Change{TenantID: u.TenantID, UserID: u.ID, Reason: ReasonRoleChanged}, nil
}

// Announce ends the sessions of a committed change here at once and on
// every replica through Redis; if Redis fails, the other replicas end them
// at their next re-check.
func (s *Sessions) Announce(ctx context.Context, c Change) {
	s.Apply(c)
	if s.Redis == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := Announce(ctx, s.Redis, c); err != nil {
		s.log().WarnContext(ctx, "auth: announce change; other replicas apply it at their next re-check",
			"change", c, "err", err)
	}
}
