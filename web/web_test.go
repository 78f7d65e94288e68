package web_test

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/web"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestIndexAndAssets(t *testing.T) {
	h := web.Handler()
	for _, tc := range []struct{ path, ctype, contains string }{
		{"/", "text/html; charset=utf-8", `<script type="module" src="/js/app.js">`},
		{"/index.html", "text/html; charset=utf-8", "<title>alertdesk</title>"},
		{"/app.css", "text/css; charset=utf-8", ":focus-visible"},
		{"/js/app.js", "text/javascript; charset=utf-8", "import"},
		{"/js/api.js", "text/javascript; charset=utf-8", "graphql-transport-ws"},
		{"/favicon.svg", "image/svg+xml", "<svg"},
		{web.TacticalActionTemplate, "application/json", `"event":"trigger"`},
	} {
		res := get(t, h, http.MethodGet, tc.path, nil)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", tc.path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tc.path, got, tc.ctype)
		}
		if !strings.Contains(string(body), tc.contains) {
			t.Errorf("%s lacks %q", tc.path, tc.contains)
		}
		if got := res.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q", tc.path, got)
		}
		if res.Header.Get("ETag") == "" {
			t.Errorf("%s: no ETag", tc.path)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	res := get(t, web.Handler(), http.MethodGet, "/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows unsafe sources: %q", csp)
	}
	for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// The CSP forbids inline scripts, styles and handlers: the page must not
// need them.
func TestNoInlineCode(t *testing.T) {
	inline := []*regexp.Regexp{
		regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`), // a script with a body
		regexp.MustCompile(`<style`),
		regexp.MustCompile(`\son[a-z]+\s*=`),
		regexp.MustCompile(`\sstyle\s*=`),
	}
	err := filepath.WalkDir("static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".html") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, re := range inline {
			if loc := re.FindIndex(b); loc != nil {
				t.Errorf("%s: inline code %q", p, b[loc[0]:min(loc[1]+20, len(b))])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nor may scripts write HTML as strings or set style attributes.
	risky := regexp.MustCompile(`\.innerHTML\s*=|insertAdjacentHTML|document\.write|setAttribute\(\s*'style'|\beval\(|new Function\(`)
	err = filepath.WalkDir("static/js", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if loc := risky.FindIndex(b); loc != nil {
			t.Errorf("%s: %q", p, b[loc[0]:loc[1]])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every relative module import names a file that is embedded.
func TestModuleImportsResolve(t *testing.T) {
	h := web.Handler()
	imp := regexp.MustCompile(`(?m)^\s*(?:import|export)\s[^'"]*from\s+'(\./[^']+)'`)
	entries, err := os.ReadDir("static/js")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("static/js", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range imp.FindAllSubmatch(b, -1) {
			path := "/js/" + strings.TrimPrefix(string(m[1]), "./")
			if res := get(t, h, http.MethodGet, path, nil); res.StatusCode != http.StatusOK {
				t.Errorf("%s imports %s: %d", e.Name(), path, res.StatusCode)
			}
		}
	}
}

func TestConditionalRequests(t *testing.T) {
	h := web.Handler()
	first := get(t, h, http.MethodGet, "/js/app.js", nil)
	etag := first.Header.Get("ETag")
	res := get(t, h, http.MethodGet, "/js/app.js", map[string]string{"If-None-Match": etag})
	if res.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", res.StatusCode)
	}
	other := get(t, h, http.MethodGet, "/app.css", nil).Header.Get("ETag")
	if other == etag {
		t.Error("two files share an ETag")
	}
	head := get(t, h, http.MethodHead, "/", nil)
	if head.StatusCode != http.StatusOK {
		t.Errorf("HEAD: %d", head.StatusCode)
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	h := web.Handler()
	for _, p := range []string{"/nope", "/js/", "/js/../web.go", "/static/index.html", "/.git/config"} {
		if res := get(t, h, http.MethodGet, p, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
	}
	res := get(t, h, http.MethodPost, "/", nil)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d Allow %q", res.StatusCode, res.Header.Get("Allow"))
	}
}

func TestTacticalTemplateIsTheFixture(t *testing.T) {
	res := get(t, web.Handler(), http.MethodGet, web.TacticalActionTemplate, nil)
	body, _ := io.ReadAll(res.Body)
	if string(body) != string(fixtures.Read("tactical-action-template.json")) {
		t.Errorf("template = %s", body)
	}
}
