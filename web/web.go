// Package web serves alertdesk's admin UI: plain HTML, CSS and JavaScript
// modules embedded in the binary, with no build step. The UI talks only to
// the GraphQL API (/graphql over HTTP and graphql-transport-ws).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/fixtures"
)

//go:embed static
var static embed.FS

// ContentSecurityPolicy allows only the UI's own scripts, styles and
// images, and connections back to the same origin (HTTP and WebSocket).
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// TacticalActionTemplate is the path of the TacticalRMM action body the
// integrations screen offers to copy (fixtures/tactical-action-template.json).
const TacticalActionTemplate = "/tactical-action-template.json"

type asset struct {
	body  []byte
	ctype string
	etag  string
	cache string
}

// Handler serves the UI: index.html at "/" and the assets under their
// paths. Everything is revalidated by ETag (no-cache), so a new binary's UI
// is picked up at once while unchanged files cost a 304.
func Handler() http.Handler {
	assets := map[string]*asset{}
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		assets["/"+p] = newAsset(p, b)
		return nil
	})
	if err != nil {
		panic(err)
	}
	assets["/"] = assets["/index.html"]
	assets[TacticalActionTemplate] = newAsset(TacticalActionTemplate, fixtures.Read("tactical-action-template.json"))
	return &handler{assets: assets, modTime: time.Now()}
}

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".html":
		ctype = "text/html; charset=utf-8"
	case ".json":
		ctype = "application/json"
	case ".svg":
		ctype = "image/svg+xml"
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	return &asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, cache: "no-cache"}
}

type handler struct {
	assets  map[string]*asset
	modTime time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a, ok := h.assets[r.URL.Path]
	if !ok || strings.Contains(r.URL.Path, "..") {
		http.NotFound(w, r)
		return
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("Cache-Control", a.cache)
	hd.Set("ETag", a.etag)
	// ServeContent answers If-None-Match with 304 and handles HEAD and ranges.
	http.ServeContent(w, r, "", h.modTime, bytes.NewReader(a.body))
}
