package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"

	"github.com/alertdesk/alertdesk/auth"
)

// Browser is a client with a cookie jar, as the UI's browser is: it signs
// in through /auth and sends the session cookie and its CSRF token.
type Browser struct {
	e      *Env
	Client *http.Client
	// NoCSRF leaves the CSRF header out, as another site's request would.
	NoCSRF bool
}

// Browser returns a client without cookies.
func (e *Env) Browser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{e: e, Client: &http.Client{Jar: jar}}
}

// Cookie is the value of the named cookie the browser holds, "" when none.
func (b *Browser) Cookie(name string) string {
	u, _ := url.Parse(b.e.HTTP.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// Answer is a JSON answer of /auth.
type Answer struct {
	Status int
	Header http.Header
	Body   map[string]any
}

// Do sends a JSON body (nil: none) to path.
func (b *Browser) Do(method, path string, body any) Answer {
	b.e.T.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			b.e.T.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(b.e.Ctx, method, b.e.HTTP.URL+path, r)
	if err != nil {
		b.e.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if csrf := b.Cookie(auth.CSRFCookie); csrf != "" && !b.NoCSRF {
		req.Header.Set(auth.CSRFHeader, csrf)
	}
	res, err := b.Client.Do(req)
	if err != nil {
		b.e.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := Answer{Status: res.StatusCode, Header: res.Header}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			b.e.T.Fatalf("%s %s answered %d with non-JSON %q", method, path, res.StatusCode, raw)
		}
	}
	return out
}

// SignIn posts the email and password to /auth/login.
func (b *Browser) SignIn(email, password string) Answer {
	b.e.T.Helper()
	return b.Do(http.MethodPost, "/auth/login", map[string]string{"email": email, "password": password})
}

// GraphQL posts a query with the browser's cookies.
func (b *Browser) GraphQL(query string, vars map[string]any) GQLResponse {
	b.e.T.Helper()
	a := b.Do(http.MethodPost, "/graphql", map[string]any{"query": query, "variables": vars})
	raw, _ := json.Marshal(a.Body)
	out := GQLResponse{T: b.e.T, Status: a.Status, Raw: raw}
	_ = json.Unmarshal(raw, &out)
	return out
}
