package graph_test

import (
	"io"
	"mime/quotedprintable"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent/userlink"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/notify/smtptest"
	"github.com/alertdesk/alertdesk/people"
	"github.com/alertdesk/alertdesk/seed"
)

const goodPassword = "a sentence that is long enough"

var linkToken = regexp.MustCompile(`#/password\?token=(adk_[A-Za-z0-9_-]+)`)

// mailedToken is the link token of the last message to addr.
func mailedToken(t *testing.T, srv *smtptest.Server, addr string) string {
	t.Helper()
	msgs := srv.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if len(msgs[i].To) == 1 && msgs[i].To[0] == addr {
			raw, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(msgs[i].Data)))
			body := string(raw)
			if m := linkToken.FindStringSubmatch(body); m != nil {
				return m[1]
			}
			t.Fatalf("message to %s has no link: %s", addr, msgs[i].Data)
		}
	}
	t.Fatalf("no message to %s (of %d)", addr, len(msgs))
	return ""
}

func withMail(t *testing.T, d string) (*apptest.Env, *smtptest.Server) {
	srv := smtptest.New(t)
	mailer := &notify.SMTP{Host: srv.Host(), Port: srv.Port(), From: "alertdesk <desk@acme.test>"}
	return apptest.NewWith(t, d, apptest.Options{Mailer: mailer}), srv
}

const inviteUser = `mutation($in: InviteUserInput!) { inviteUser(input: $in) { id email name role invited deactivatedAt } }`

type userAnswer struct {
	ID, Email, Name, Role string
	Invited               bool
	DeactivatedAt         *string
}

func TestInviteUser(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e, srv := withMail(t, d)
			users := func() int { return e.DB.User.Query().CountX(e.Ctx) }
			before := users()
			for _, c := range []struct {
				in    map[string]any
				field string
			}{
				{map[string]any{"email": "ann"}, "email"},
				{map[string]any{"email": " "}, "email"},
				{map[string]any{"email": seed.AdminEmail}, "email"},
				{map[string]any{"email": strings.ToUpper(seed.AdminEmail)}, "email"},
				{map[string]any{"email": "ann@acme.test", "name": strings.Repeat("n", 201)}, "name"},
			} {
				r := e.Admin(inviteUser, apptest.Vars("in", c.in)).WantCode("BAD_USER_INPUT")
				if f := r.Fields(); len(f) != 1 || f[0] != c.field {
					t.Errorf("invite %v: fields %v, want %s", c.in, f, c.field)
				}
			}
			if n := users(); n != before || len(srv.Messages()) != 0 {
				t.Fatalf("refused invitations wrote %d users, sent %d mails", n-before, len(srv.Messages()))
			}

			var got struct{ InviteUser userAnswer }
			e.Admin(inviteUser, apptest.Vars("in", map[string]any{"email": "tess@acme.test", "name": " Tess "})).Must(&got)
			if u := got.InviteUser; u.Email != "tess@acme.test" || u.Name != "Tess" || u.Role != "TECHNICIAN" || !u.Invited {
				t.Fatalf("invited: %+v", u)
			}
			first := mailedToken(t, srv, "tess@acme.test")
			// Inviting again, before acceptance, sends a new link; the old
			// one stops working.
			e.Admin(inviteUser, apptest.Vars("in", map[string]any{"email": "tess@acme.test"})).Must(nil)
			token := mailedToken(t, srv, "tess@acme.test")
			if token == first {
				t.Fatal("a new invitation reused the link")
			}
			b := e.Browser()
			if a := b.Do(http.MethodGet, "/auth/link?token="+first, nil); a.Status != 404 {
				t.Errorf("replaced link: %+v", a)
			}
			if a := b.Do(http.MethodGet, "/auth/link?token="+token, nil); a.Status != 200 || a.Body["kind"] != "invite" || a.Body["email"] != "tess@acme.test" {
				t.Errorf("link info: %+v", a)
			}
			// An invited user cannot sign in before setting a password.
			if a := b.SignIn("tess@acme.test", ""); a.Status != 400 {
				t.Errorf("empty password: %+v", a)
			}
			for _, weak := range []string{"short", "password1234"} {
				if a := b.Do(http.MethodPost, "/auth/password", map[string]string{"token": token, "password": weak}); a.Status != 400 || a.Body["field"] != "password" {
					t.Errorf("weak password %q: %+v", weak, a)
				}
			}
			a := b.Do(http.MethodPost, "/auth/password", map[string]string{"token": token, "password": goodPassword})
			if a.Status != 200 || a.Body["email"] != "tess@acme.test" || a.Body["role"] != "TECHNICIAN" {
				t.Fatalf("accept: %+v", a)
			}
			var me struct{ Me struct{ Email string } }
			b.GraphQL(`{ me { email } }`, nil).Must(&me)
			if me.Me.Email != "tess@acme.test" {
				t.Errorf("after accepting: %+v", me)
			}
			if a := e.Browser().Do(http.MethodPost, "/auth/password", map[string]string{"token": token, "password": goodPassword + "!"}); a.Status != 404 {
				t.Errorf("link used twice: %+v", a)
			}
			if a := e.Browser().SignIn("tess@acme.test", goodPassword); a.Status != 200 {
				t.Errorf("sign in with the new password: %+v", a)
			}
			var list struct{ Users []userAnswer }
			e.Admin(`{ users { email invited } }`, nil).Must(&list)
			for _, u := range list.Users {
				if u.Email == "tess@acme.test" && u.Invited {
					t.Error("still invited after accepting")
				}
			}
			// An accepted user is a user: inviting again is refused.
			e.Admin(inviteUser, apptest.Vars("in", map[string]any{"email": "tess@acme.test"})).WantCode("BAD_USER_INPUT")
		})
	}
}

func TestUpdateAndDeactivateUser(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			admin := apptest.ID(e.Demo.AdminUserID)
			update := `mutation($id: ID!, $in: UpdateUserInput!) { updateUser(id: $id, input: $in) { id name role } }`
			deactivate := `mutation($id: ID!) { deactivateUser(id: $id) { id deactivatedAt } }`

			// The last admin stays one.
			if f := e.Admin(update, apptest.Vars("id", admin, "in", map[string]any{"role": "TECHNICIAN"})).WantCode("BAD_USER_INPUT").Fields(); len(f) != 1 || f[0] != "role" {
				t.Errorf("demoting the last admin: fields %v", f)
			}
			if f := e.Admin(deactivate, apptest.Vars("id", admin)).WantCode("BAD_USER_INPUT").Fields(); len(f) != 1 || f[0] != "id" {
				t.Errorf("deactivating the last admin: fields %v", f)
			}
			if f := e.Admin(update, apptest.Vars("id", admin, "in", map[string]any{"name": strings.Repeat("n", 201)})).WantCode("BAD_USER_INPUT").Fields(); len(f) != 1 || f[0] != "name" {
				t.Errorf("long name: fields %v", f)
			}
			e.Admin(update, apptest.Vars("id", "987654", "in", map[string]any{"name": "x"})).WantCode("NOT_FOUND")

			techToken, techID := e.NewToken(e.Demo.TenantID, "tech@demo.test", "technician")
			tech := apptest.ID(techID)
			var up struct{ UpdateUser userAnswer }
			e.Admin(update, apptest.Vars("id", tech, "in", map[string]any{"name": "Tech", "role": "ADMIN"})).Must(&up)
			if up.UpdateUser.Name != "Tech" || up.UpdateUser.Role != "ADMIN" {
				t.Errorf("update: %+v", up)
			}
			// With a second admin, the first may step down.
			e.Admin(update, apptest.Vars("id", tech, "in", map[string]any{"role": "TECHNICIAN"})).Must(nil)

			var off struct{ DeactivateUser userAnswer }
			e.Admin(deactivate, apptest.Vars("id", tech)).Must(&off)
			if off.DeactivateUser.DeactivatedAt == nil {
				t.Errorf("deactivate: %+v", off)
			}
			if r := e.GraphQL(techToken, `{ me { id } }`, nil); r.Status != 401 {
				t.Errorf("deactivated user's token: %d %s", r.Status, r.Raw)
			}
			var list struct{ Users, All []userAnswer }
			e.Admin(`{ users { id } all: users(includeDeactivated: true) { id deactivatedAt } }`, nil).Must(&list)
			for _, u := range list.Users {
				if u.ID == tech {
					t.Error("the picker lists a deactivated user")
				}
			}
			if len(list.All) != len(list.Users)+1 {
				t.Errorf("includeDeactivated: %d users, %d active", len(list.All), len(list.Users))
			}
			// Deactivating again changes nothing.
			var again struct{ DeactivateUser userAnswer }
			e.Admin(deactivate, apptest.Vars("id", tech)).Must(&again)
			if *again.DeactivateUser.DeactivatedAt != *off.DeactivateUser.DeactivatedAt {
				t.Errorf("deactivated twice: %v then %v", *off.DeactivateUser.DeactivatedAt, *again.DeactivateUser.DeactivatedAt)
			}

			// Reactivated, the user is back in the picker, but its old
			// token stays revoked.
			var on struct{ ReactivateUser userAnswer }
			e.Admin(`mutation($id: ID!) { reactivateUser(id: $id) { id deactivatedAt } }`, apptest.Vars("id", tech)).Must(&on)
			if on.ReactivateUser.DeactivatedAt != nil {
				t.Errorf("reactivate: %+v", on)
			}
			if r := e.GraphQL(techToken, `{ me { id } }`, nil); r.Status != 401 {
				t.Errorf("token of a reactivated user: %d %s", r.Status, r.Raw)
			}
			e.Admin(`{ users { id } }`, nil).Must(&list)
			if !slices.ContainsFunc(list.Users, func(u userAnswer) bool { return u.ID == tech }) {
				t.Error("the picker lacks the reactivated user")
			}
			e.Admin(`mutation { reactivateUser(id: "987654") { id } }`, nil).WantCode("NOT_FOUND")
		})
	}
}

func TestPasswordReset(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e, srv := withMail(t, d)
			e.Admin(inviteUser, apptest.Vars("in", map[string]any{"email": "rita@acme.test"})).Must(nil)
			b := e.Browser()
			b.Do(http.MethodPost, "/auth/password", map[string]string{"token": mailedToken(t, srv, "rita@acme.test"), "password": goodPassword})
			if b.GraphQL(`{ me { id } }`, nil).Status != 200 {
				t.Fatal("not signed in after accepting")
			}
			sent := len(srv.Messages())

			// The answer is the same whether the email exists or not.
			unknown := e.Browser().Do(http.MethodPost, "/auth/reset", map[string]string{"email": "nobody@acme.test"})
			known := e.Browser().Do(http.MethodPost, "/auth/reset", map[string]string{"email": "RITA@acme.test"})
			if unknown.Status != 202 || known.Status != 202 || unknown.Body["message"] != known.Body["message"] {
				t.Fatalf("reset answers differ: %+v / %+v", unknown, known)
			}
			if n := len(srv.Messages()) - sent; n != 1 {
				t.Fatalf("%d reset mails, want 1", n)
			}
			token := mailedToken(t, srv, "rita@acme.test")
			if a := e.Browser().Do(http.MethodGet, "/auth/link?token="+token, nil); a.Body["kind"] != "reset" {
				t.Errorf("reset link info: %+v", a)
			}
			if a := e.Browser().Do(http.MethodPost, "/auth/password", map[string]string{"token": token, "password": "another sentence, long enough"}); a.Status != 200 {
				t.Fatalf("reset: %+v", a)
			}
			// The old session ended with the old password.
			if r := b.GraphQL(`{ me { id } }`, nil); r.Status != 401 {
				t.Errorf("session from before the reset: %d %s", r.Status, r.Raw)
			}
			if a := e.Browser().SignIn("rita@acme.test", goodPassword); a.Status != 401 {
				t.Errorf("old password after reset: %+v", a)
			}
			if a := e.Browser().SignIn("rita@acme.test", "another sentence, long enough"); a.Status != 200 {
				t.Errorf("new password: %+v", a)
			}

			// A reset link lasts an hour; once it has passed, the link is
			// refused and sets nothing.
			asked := time.Now()
			e.Browser().Do(http.MethodPost, "/auth/reset", map[string]string{"email": "rita@acme.test"})
			late := mailedToken(t, srv, "rita@acme.test")
			l := e.DB.UserLink.Query().Where(userlink.TokenHash(apitoken.Hash(late))).OnlyX(e.Ctx)
			if life := l.ExpiresAt.Sub(asked); life < people.ResetLifetime-time.Minute || life > people.ResetLifetime+time.Minute {
				t.Errorf("reset link expires %v after the request, want %v", life, people.ResetLifetime)
			}
			e.DB.UserLink.UpdateOneID(l.ID).SetExpiresAt(time.Now().Add(-time.Second)).ExecX(e.Ctx)
			if a := e.Browser().Do(http.MethodGet, "/auth/link?token="+late, nil); a.Status != 404 {
				t.Errorf("expired link info: %+v", a)
			}
			if a := e.Browser().Do(http.MethodPost, "/auth/password", map[string]string{"token": late, "password": "a third sentence, long enough"}); a.Status != 404 {
				t.Errorf("expired link used: %+v", a)
			}
			if a := e.Browser().SignIn("rita@acme.test", "another sentence, long enough"); a.Status != 200 {
				t.Errorf("password after an expired link: %+v", a)
			}
		})
	}
}

// Deactivating a user through the API ends its sockets on another replica
// at once: those of its API token and of its browser's sign-in session.
// A browser's socket needs the session's CSRF token.
func TestDeactivateUserClosesSockets(t *testing.T) {
	rdb1, rdb2 := replicaRedis(t, "redis")
	one := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb1})
	two := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb2, ReplicaOf: one})
	tenant := one.Demo.TenantID
	techToken, techID := one.NewToken(tenant, "tech@demo.test", "technician")
	h, err := auth.HashPassword(goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	one.DB.User.UpdateOneID(techID).SetPasswordHash(h).ExecX(one.Ctx)
	browser := two.Browser()
	if a := browser.SignIn("tech@demo.test", goodPassword); a.Status != 200 {
		t.Fatalf("sign in: %+v", a)
	}
	// Another site's page opens the socket with the cookie, not the token.
	if _, ok := browser.Subscribe(map[string]any{}, alertEventsQuery, nil); ok {
		t.Fatal("socket without the CSRF token acknowledged")
	}
	withToken, _ := two.Subscribe(bearer(techToken), alertEventsQuery, nil)
	withCookie, ok := browser.Subscribe(map[string]any{"csrfToken": browser.Cookie(auth.CSRFCookie)}, alertEventsQuery, nil)
	if !ok {
		t.Fatal("browser socket refused")
	}
	other, _ := two.Subscribe(bearer(one.Demo.AdminToken), alertEventsQuery, nil)
	waitSubscribed(t, rdb1, feed.Channel(tenant), 3)

	start := time.Now()
	one.Admin(`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, apptest.Vars("id", apptest.ID(techID))).Must(nil)
	waitClosed(t, withToken, start, auth.ReasonUserDeactivated)
	waitClosed(t, withCookie, start, auth.ReasonUserDeactivated)
	stillOpen(t, "another user's socket", other)
	if _, ok := browser.Subscribe(map[string]any{"csrfToken": browser.Cookie(auth.CSRFCookie)}, alertEventsQuery, nil); ok {
		t.Error("deactivated user's browser reconnected")
	}
}
