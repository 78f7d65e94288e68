package signin_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/signin"
)

// provider is an OpenID Connect provider for tests: discovery, JWKS, an
// authorization endpoint that consents at once for Email, and a token
// endpoint that checks the client and the PKCE verifier and signs an ID
// token (RS256).
type provider struct {
	t      *testing.T
	srv    *httptest.Server
	key    *rsa.PrivateKey
	client string
	secret string

	mu sync.Mutex
	// Email is who signs in next; Verified is its email_verified claim.
	Email    string
	Verified bool
	// WrongNonce makes the ID token carry another nonce.
	WrongNonce bool
	codes      map[string]grant
}

type grant struct{ nonce, challenge, email string }

func newProvider(t *testing.T) *provider {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, key: key, client: "alertdesk-client", secret: "client-secret", Verified: true, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize",
			"token_endpoint": p.srv.URL + "/token", "jwks_uri": p.srv.URL + "/jwks",
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeTestJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != p.client || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" ||
			!strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request: "+r.URL.RawQuery, http.StatusBadRequest)
			return
		}
		p.mu.Lock()
		code := "code-" + base64.RawURLEncoding.EncodeToString(randomBytes(t))
		p.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), email: p.Email}
		p.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		p.mu.Lock()
		g, found := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code"))
		wrongNonce, verified := p.WrongNonce, p.Verified
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if id != p.client || secret != p.secret || !found || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		nonce := g.nonce
		if wrongNonce {
			nonce = "another-nonce"
		}
		now := time.Now()
		writeTestJSON(w, map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300,
			"id_token": p.sign(map[string]any{"iss": p.srv.URL, "sub": "sub-" + g.email, "aud": p.client,
				"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "nonce": nonce,
				"email": g.email, "email_verified": verified})})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *provider) sign(claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		p.t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		p.t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

func (p *provider) set(fn func(p *provider)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

func randomBytes(t *testing.T) []byte {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTestJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// ssoSignIn follows the whole redirect chain as a browser does and
// returns the UI hash it ends on.
func ssoSignIn(t *testing.T, e *apptest.Env, b *apptest.Browser) string {
	t.Helper()
	res, err := b.Client.Get(e.HTTP.URL + signin.OIDCStartPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL.Fragment
}

func TestOIDCSignIn(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			p := newProvider(t)
			o := &signin.OIDC{Issuer: p.srv.URL, ClientID: p.client, ClientSecret: p.secret}
			e := apptest.NewWith(t, d, apptest.Options{OIDC: o})
			o.RedirectURL = e.HTTP.URL + signin.OIDCCallbackPath
			if a := e.Browser().Do(http.MethodGet, "/auth/methods", nil); a.Body["oidc"] != true {
				t.Fatalf("methods: %+v", a)
			}
			// An invited user signs in; the invitation needs no password.
			e.Admin(`mutation { inviteUser(input: {email: "sso@acme.test", name: "Sso"}) { id } }`, nil).Must(nil)
			p.set(func(p *provider) { p.Email = "SSO@acme.test" })
			b := e.Browser()
			if got := ssoSignIn(t, e, b); got != "/tickets" {
				t.Fatalf("signed in, landed on %q", got)
			}
			var me struct{ Me struct{ Email string } }
			b.GraphQL(`{ me { email } }`, nil).Must(&me)
			if me.Me.Email != "sso@acme.test" {
				t.Errorf("me: %+v", me)
			}

			for _, c := range []struct {
				name   string
				setup  func(p *provider)
				reason string
			}{
				{"not invited", func(p *provider) { p.Email = "stranger@acme.test" }, "nouser"},
				{"email not verified", func(p *provider) { p.Email, p.Verified = "sso@acme.test", false }, "noemail"},
				{"wrong nonce", func(p *provider) { p.Email, p.Verified, p.WrongNonce = "sso@acme.test", true, true }, "refused"},
			} {
				p.set(c.setup)
				b := e.Browser()
				if got := ssoSignIn(t, e, b); got != "/signin?sso="+c.reason {
					t.Errorf("%s: landed on %q", c.name, got)
				}
				if b.Cookie(auth.SessionCookie) != "" {
					t.Errorf("%s: signed in", c.name)
				}
			}
			p.set(func(p *provider) { p.WrongNonce = false })

			// A callback that this browser did not start is refused.
			b2 := e.Browser()
			res, err := b2.Client.Get(e.HTTP.URL + signin.OIDCCallbackPath + "?code=x&state=forged")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.Request.URL.Fragment != "/signin?sso=expired" || b2.Cookie(auth.SessionCookie) != "" {
				t.Errorf("forged callback: %q", res.Request.URL.Fragment)
			}

			// A deactivated user's SSO sign-in is refused.
			id := e.DB.User.Query().AllX(e.Ctx)
			for _, u := range id {
				if u.Email == "sso@acme.test" {
					e.DB.User.UpdateOneID(u.ID).SetDeactivatedAt(time.Now()).ExecX(e.Ctx)
				}
			}
			p.set(func(p *provider) { p.Email = "sso@acme.test" })
			if got := ssoSignIn(t, e, e.Browser()); got != "/signin?sso=nouser" {
				t.Errorf("deactivated user: landed on %q", got)
			}
		})
	}
}
