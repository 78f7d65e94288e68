package signin

import (
	"errors"
	"net/http"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/store"
)

// changePassword sets a signed-in user's password: the session's cookie
// and CSRF header say who, the current password proves it is still them
// (wrong guesses count against the account as sign-ins do), and every
// session of the user ends; the caller's is replaced by a new one.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		CurrentPassword string `json:"currentPassword"`
		NewPassword     string `json:"newPassword"`
	}
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil || c.Value == "" {
		writeJSON(w, http.StatusUnauthorized, errorBody("not signed in", ""))
		return
	}
	if !auth.CheckCSRF(c.Value, r.Header.Get(auth.CSRFHeader)) {
		writeJSON(w, http.StatusForbidden, errorBody("missing or wrong "+auth.CSRFHeader+" header", ""))
		return
	}
	if !decode(w, r, &in) {
		return
	}
	ctx := r.Context()
	id, err := h.Authn.AuthenticateSession(ctx, c.Value)
	if errors.Is(err, auth.ErrUnauthenticated) {
		writeJSON(w, http.StatusUnauthorized, errorBody("signed out or session expired: sign in again", ""))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.Store.Ent.User.Get(ctx, id.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key := auth.ThrottleKey{Key: "account:" + u.Email, Limit: FailuresPerAccount}
	if wait, err := h.Throttle.Blocked(ctx, key); err != nil {
		h.fail(w, r, err)
		return
	} else if wait > 0 {
		tooMany(w, wait, "too many wrong passwords: try again in "+minutes(wait))
		return
	}
	if ok, err := auth.VerifyPassword(u.PasswordHash, in.CurrentPassword); err != nil || !ok {
		if err := h.Throttle.Fail(ctx, key); err != nil {
			h.log().WarnContext(ctx, "signin: count failure", "err", err)
		}
		writeJSON(w, http.StatusBadRequest, errorBody("the current password is wrong", "currentPassword"))
		return
	}
	if err := auth.CheckPassword(in.NewPassword, u.Email); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("password "+err.Error(), "newPassword"))
		return
	}
	hash, err := auth.HashPassword(in.NewPassword)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	err = store.WithTx(ctx, h.Store.Ent, func(tx *ent.Tx) error {
		if err := tx.User.UpdateOneID(u.ID).SetPasswordHash(hash).Exec(ctx); err != nil {
			return err
		}
		return auth.EndUserSessions(ctx, tx.Client(), u.TenantID, u.ID, h.now())
	})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The ended sessions' sockets close at their next re-check, as after a
	// reset; a user change would also end the user's API-token sockets.
	if h.startSession(w, r, u) {
		h.log().InfoContext(ctx, "password changed", "tenant_id", u.TenantID, "user_id", u.ID)
	}
}
