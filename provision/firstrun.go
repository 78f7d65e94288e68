package provision

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/validation"
)

// SetupCode is the first-run screen's code for an installation: derived
// from its secret key, so every replica knows the same one and only those
// who can read the key or the server's log learn it.
func SetupCode(key []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("alertdesk first-run setup"))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// Needed reports whether the installation has no tenant yet.
func Needed(ctx context.Context, s *store.Store) (bool, error) {
	exists, err := s.Ent.Tenant.Query().Exist(ctx)
	if err != nil {
		return false, err
	}
	return !exists, nil
}

// FirstRun serves /setup for the UI's first-run screen while the database
// has no tenant: GET answers {"needed": bool}; POST takes the setup code
// and the tenant ({"code", "name", "slug", "adminEmail", "adminName"}),
// makes it as Init does and answers the admin's API token and the link
// (a hash of the UI) that sets the admin's password, once. Once a
// tenant exists every POST is refused (409).
type FirstRun struct {
	Store *store.Store
	Code  string
	Log   *slog.Logger
}

type firstRunInput struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Slug       string `json:"slug"`
	AdminEmail string `json:"adminEmail"`
	AdminName  string `json:"adminName"`
}

func (f *FirstRun) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		needed, err := Needed(r.Context(), f.Store)
		if err != nil {
			f.fail(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"needed": needed})
	case http.MethodPost:
		f.post(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET or POST"})
	}
}

func (f *FirstRun) post(w http.ResponseWriter, r *http.Request) {
	var in firstRunInput
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON object"})
		return
	}
	if f.Code == "" || subtle.ConstantTimeCompare([]byte(in.Code), []byte(f.Code)) != 1 {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "the setup code is not right: it is in the server's log"})
		return
	}
	needed, err := Needed(r.Context(), f.Store)
	if err != nil {
		f.fail(w, err)
		return
	}
	if !needed {
		writeJSON(w, http.StatusConflict, map[string]string{"error": "alertdesk is already set up: sign in"})
		return
	}
	res, err := Init(r.Context(), f.Store, Tenant{Name: in.Name, Slug: in.Slug, AdminEmail: in.AdminEmail, AdminName: in.AdminName})
	var v *validation.Error
	switch {
	case errors.As(err, &v):
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "check the highlighted fields", "fields": v.Errors})
		return
	case errors.Is(err, ErrInitialized):
		writeJSON(w, http.StatusConflict, map[string]string{"error": "alertdesk is already set up: sign in"})
		return
	case err != nil:
		f.fail(w, err)
		return
	}
	if !res.Created || res.Token == "" {
		// Another request made it first.
		writeJSON(w, http.StatusConflict, map[string]string{"error": "alertdesk is already set up: sign in"})
		return
	}
	f.log().InfoContext(r.Context(), "first tenant set up", "tenant", res.Slug, "admin", in.AdminEmail)
	writeJSON(w, http.StatusCreated, map[string]any{"token": res.Token, "slug": res.Slug, "tenantId": res.TenantID,
		"passwordLink": "#/password?token=" + res.PasswordToken})
}

func (f *FirstRun) fail(w http.ResponseWriter, err error) {
	f.log().Error("first-run setup", "err", err)
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
}

func (f *FirstRun) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.Default()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
