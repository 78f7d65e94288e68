// Package e2e_test drives alertdesk's web UI in headless Chromium against a
// real alertdesk (PostgreSQL, Redis, the outbox relay for the live feed),
// through the same GraphQL API the UI uses.
//
// Without PostgreSQL, Redis or a Chromium binary the tests skip, unless
// ALERTDESK_REQUIRE_SERVICES=1. With ALERTDESK_SCREENSHOTS=1 they save a
// PNG of each page to docs/screenshots/.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	mrand "math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/server"
	"github.com/alertdesk/alertdesk/worker"
)

// testTimeout bounds each browser test.
const testTimeout = 2 * time.Minute

// chromiumPath finds a Chromium (or Chrome) binary: ALERTDESK_CHROMIUM,
// else the usual names on PATH.
func chromiumPath() string {
	if p := os.Getenv("ALERTDESK_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// UI is a running alertdesk with a browser tab pointed at it.
type UI struct {
	*apptest.Env
	T     *testing.T
	Ctx   context.Context // the browser tab, bounded by testTimeout
	Base  string
	Redis redis.UniversalClient

	mu       sync.Mutex
	problems []string
}

// newUI starts alertdesk with the live feed (Redis and an outbox relay)
// and a headless Chromium tab of the given width.
func newUI(t *testing.T, width int) *UI {
	t.Helper()
	return newUIWith(t, width, false)
}

// newUIWith is newUI; withConnect serves the UI and API from a server of
// the test's own whose connect service and poll queue are this test's
// (apptest's server has neither).
func newUIWith(t *testing.T, width int, withConnect bool) *UI {
	t.Helper()
	bin := chromium(t)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	env := apptest.NewWith(t, dialect.Postgres, apptest.Options{Redis: rdb, ReplicaOf: isolatedDemo(t)})
	box, queue := startRelay(t, env, rdb)
	base := env.HTTP.URL
	if withConnect {
		enq := worker.NewEnqueuer(env.Store, rdb, queue)
		srv := &server.Server{
			Store: env.Store, Redis: rdb, Pipeline: env.Pipeline, Desk: env.Desk, PublicURL: apptest.PublicURL,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Connect: &connect.Service{
				Store: env.Store, Redis: rdb, Secrets: box, PublicURL: apptest.PublicURL, Poller: enq,
				Outbound:  apptest.AllowLoopback(t),
				KeyPrefix: redistest.Prefix(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			},
			Enqueuer: enq, Secrets: box, Outbound: apptest.AllowLoopback(t),
		}
		hs := httptest.NewServer(srv.Handler())
		t.Cleanup(hs.Close)
		base = hs.URL
	}
	return attachBrowser(t, bin, width, env, base, rdb)
}

// newEmptyUI starts alertdesk on an empty database, as a new installation
// is, without the live feed's relay.
func newEmptyUI(t *testing.T, width int) *UI {
	t.Helper()
	bin := chromium(t)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	env := apptest.NewWith(t, dialect.Postgres, apptest.Options{Redis: rdb, Empty: true})
	return attachBrowser(t, bin, width, env, env.HTTP.URL, rdb)
}

// chromium is the browser binary, or the test skips (fails when services
// are required).
func chromium(t *testing.T) string {
	t.Helper()
	bin := chromiumPath()
	if bin == "" {
		if storetest.RequireServices() {
			t.Fatal("no Chromium binary found (install Debian's chromium package or set ALERTDESK_CHROMIUM); ALERTDESK_REQUIRE_SERVICES=1")
		}
		t.Skip("no Chromium binary found: install Debian's chromium package or set ALERTDESK_CHROMIUM; set ALERTDESK_REQUIRE_SERVICES=1 to fail instead")
	}
	return bin
}

// attachBrowser opens a headless Chromium tab of the given width on base.
func attachBrowser(t *testing.T, bin string, width int, env *apptest.Env, base string, rdb redis.UniversalClient) *UI {
	t.Helper()

	// Chromium may still write its profile while it exits; the folder is
	// removed after it has stopped, and a leftover is no test failure.
	profile, err := os.MkdirTemp("", "alertdesk-e2e-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.WindowSize(width, 900),
	)
	tab, cancelTab := chromedp.NewContext(alloc, chromedp.WithErrorf(func(format string, args ...any) {
		// This chromedp does not know every event of a newer Chromium.
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "unhandled") {
			log.Print("chromedp: " + msg)
		}
	}))
	ctx, cancelTimeout := context.WithTimeout(tab, testTimeout)
	t.Cleanup(func() {
		_ = chromedp.Cancel(tab)
		cancelTimeout()
		cancelTab()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	u := &UI{Env: env, T: t, Ctx: ctx, Base: base, Redis: rdb}
	chromedp.ListenTarget(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			u.problem("uncaught exception: " + e.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, strings.Trim(string(a.Value), `"`)+a.Description)
				}
				u.problem("console.error: " + strings.Join(parts, " "))
			}
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		for _, p := range u.problems {
			t.Errorf("browser: %s", p)
		}
	})
	return u
}

func (u *UI) problem(s string) {
	// A refused token is an expected console message of sign-in tests.
	if strings.Contains(s, "401") {
		return
	}
	u.mu.Lock()
	u.problems = append(u.problems, s)
	u.mu.Unlock()
}

// isolatedDemo seeds the demo on a fresh PostgreSQL database whose tenant
// gets a random, high id. The live feed's Redis channel is named after the
// tenant, and other packages' tests listen on their demo tenant's channel
// (id 1) at the same time: distinct ids keep the two from hearing each other.
func isolatedDemo(t *testing.T) *apptest.Env {
	t.Helper()
	st := storetest.Open(t, dialect.Postgres)
	base := 1_000_000 + mrand.Int64N(1_000_000_000)
	if _, err := st.DB.ExecContext(context.Background(), `SELECT setval(pg_get_serial_sequence('tenants', 'id'), $1)`, base); err != nil {
		t.Fatalf("tenant id sequence: %v", err)
	}
	demo, err := seed.Demo(context.Background(), st, seed.Options{DataDir: t.TempDir(), PublicURL: apptest.PublicURL, Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatalf("seed demo: %v", err)
	}
	if demo.TenantID <= 1_000_000 {
		t.Fatalf("demo tenant id %d: the sequence was not moved", demo.TenantID)
	}
	return &apptest.Env{Store: st, Demo: demo}
}

var unsafeQueue = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// startRelay runs alertdesk's worker (outbox relay and consumers) on a queue
// of this test, so that alert changes reach the live feed.
func startRelay(t *testing.T, env *apptest.Env, rdb redis.UniversalClient) (*secrets.Box, string) {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	// No polling in these tests: the demo integrations have no credentials.
	if err := env.DB.Integration.Update().SetPollingEnabled(false).
		Where(integration.TenantID(env.Demo.TenantID)).Exec(env.Ctx); err != nil {
		t.Fatal(err)
	}
	queue := strings.Trim(unsafeQueue.ReplaceAllString(redistest.Prefix(t), "_"), "_")
	w := worker.New(worker.Deps{
		Store: env.Store, Redis: rdb, Pipeline: env.Pipeline, Secrets: box,
		Outbound:        apptest.AllowLoopback(t),
		Log:             slog.New(slog.NewTextHandler(io.Discard, nil)),
		Queue:           queue,
		ScheduleSync:    200 * time.Millisecond,
		Concurrency:     2,
		RelayInterval:   50 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second,
	})
	if err := w.Start(env.Ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return box, queue
}

// run runs browser actions and fails the test on error.
func (u *UI) run(what string, actions ...chromedp.Action) {
	u.T.Helper()
	if err := chromedp.Run(u.Ctx, actions...); err != nil {
		u.T.Fatalf("%s: %v", what, err)
	}
}

// open loads the UI at a hash route ("#/rules").
func (u *UI) open(hash string) {
	u.T.Helper()
	u.run("open "+hash, chromedp.Navigate(u.Base+"/"+hash))
}

// signIn signs in with the demo admin token.
func (u *UI) signIn() {
	u.T.Helper()
	u.open("")
	u.typeInto(`input[name="token"]`, u.Demo.AdminToken)
	u.click(`form.signin-form button[type="submit"]`)
	u.waitJS("signed in", `document.querySelector('[data-testid="tenant-name"]')`)
}

// go navigates inside the app by hash, without reloading.
func (u *UI) goTo(hash string) {
	u.T.Helper()
	u.run("go to "+hash, chromedp.Evaluate(fmt.Sprintf(`location.hash = %q`, hash), nil))
}

// text returns the visible text of the first element matching sel.
func (u *UI) text(sel string) string {
	u.T.Helper()
	var s string
	u.waitJS("visible "+sel, fmt.Sprintf(`(() => { const el = document.querySelector(%q); return el && el.offsetParent !== null; })()`, sel))
	u.eval(fmt.Sprintf(`document.querySelector(%q).innerText`, sel), &s)
	return s
}

// eval evaluates a JavaScript expression into out.
func (u *UI) eval(expr string, out any) {
	u.T.Helper()
	u.run("eval "+expr, chromedp.Evaluate(expr, out))
}

// waitJS waits until a JavaScript expression is truthy.
func (u *UI) waitJS(what, expr string) {
	u.T.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ok bool
		if err := chromedp.Run(u.Ctx, chromedp.Evaluate(`Boolean(`+expr+`)`, &ok)); err != nil {
			u.T.Fatalf("wait for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var body string
			_ = chromedp.Run(u.Ctx, chromedp.Evaluate(`(document.querySelector('dialog[open]') || document.querySelector('main') || document.body).innerText`, &body))
			var png []byte
			shot := filepath.Join(os.TempDir(), "alertdesk-e2e-"+strings.ReplaceAll(u.T.Name(), "/", "_")+".png")
			if chromedp.Run(u.Ctx, chromedp.FullScreenshot(&png, 100)) == nil && os.WriteFile(shot, png, 0o644) == nil {
				u.T.Logf("screenshot of the failure: %s", shot)
			}
			u.T.Fatalf("timed out waiting for %s; page shows:\n%s", what, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eventually polls cond until it holds, failing after 15 seconds.
func (u *UI) eventually(what string, cond func() bool) {
	u.T.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			u.T.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// click waits for the element matching sel to be visible and clicks it
// (through the DOM, so re-rendered nodes are found afresh).
func (u *UI) click(sel string) {
	u.T.Helper()
	u.waitJS("clickable "+sel, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el || el.offsetParent === null || el.disabled) return false; el.scrollIntoView({block: 'center'}); el.click(); return true; })()`, sel))
}

// typeInto focuses the element matching sel and types text as key events
// (Enter and other keys from chromedp/kb included).
func (u *UI) typeInto(sel, text string) {
	u.T.Helper()
	u.waitJS("focusable "+sel, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el || el.offsetParent === null) return false; el.focus(); if (el.setSelectionRange && el.type !== 'number') el.setSelectionRange(el.value.length, el.value.length); return document.activeElement === el; })()`, sel))
	u.run("type into "+sel, chromedp.KeyEvent(text))
}

// clear empties an input through the DOM.
func (u *UI) clear(sel string) {
	u.T.Helper()
	u.eval(fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`, sel), nil)
}

// setValue sets a select's or input's value as a user would pick it
// (input and change events).
func (u *UI) setValue(sel, value string) {
	u.T.Helper()
	u.waitJS("settable "+sel, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el || el.disabled) return false; el.value = %q; if (el.value !== %q) return false; el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, value, value))
}

// clickText clicks the first element matching sel whose text contains s.
func (u *UI) clickText(sel, s string) {
	u.T.Helper()
	js := fmt.Sprintf(`(() => { const el = [...document.querySelectorAll(%q)].find((e) => e.textContent.includes(%q) && e.offsetParent !== null); if (!el) return false; el.click(); return true; })()`, sel, s)
	u.waitJS(fmt.Sprintf("%s containing %q", sel, s), js)
}

// screenshot saves a full-page PNG to docs/screenshots/<name>.png when
// ALERTDESK_SCREENSHOTS=1.
func (u *UI) screenshot(name string) {
	u.T.Helper()
	if os.Getenv("ALERTDESK_SCREENSHOTS") != "1" {
		return
	}
	// Let transitions settle; sticky bars belong at the top of a full-page shot.
	// Toasts are transient: leave them out of the docs.
	u.eval(`window.scrollTo(0, 0), document.querySelectorAll('.toast').forEach((t) => t.remove()), true`, nil)
	time.Sleep(400 * time.Millisecond)
	var png []byte
	u.run("screenshot "+name, chromedp.FullScreenshot(&png, 100))
	dir := filepath.Join("..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		u.T.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		u.T.Fatal(err)
	}
}

// gql runs a GraphQL operation as the demo admin and decodes its data.
func (u *UI) gql(query string, vars map[string]any, out any) {
	u.T.Helper()
	u.Admin(query, vars).Must(out)
}

// feedListeners counts the process's listeners of the tenant's feed (they
// share one Redis subscription per tenant, so Redis cannot count them).
func (u *UI) feedListeners() int64 {
	return int64(feed.Listeners(u.Demo.TenantID))
}

// waitSubscribed waits until the feed channel has more listeners than
// before (the UI's alertEvents subscription listens), so that nothing
// published next is missed.
func (u *UI) waitSubscribed(before int64) {
	u.T.Helper()
	ch := feed.Channel(u.Demo.TenantID)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if u.feedListeners() > before {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	u.T.Fatalf("the UI never subscribed to %s", ch)
}

// jsonString quotes s for JavaScript.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// chromedpKeys types keys into whatever has focus.
func chromedpKeys(keys string) chromedp.Action { return chromedp.KeyEvent(keys) }
