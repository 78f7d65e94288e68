package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alertdesk/alertdesk/event"
)

// TestTabletWidthAndKeyboard checks every page at 800 px: nothing wider
// than the window, labelled controls, and a visible keyboard focus.
func TestTabletWidthAndKeyboard(t *testing.T) {
	u := newUI(t, 800)
	if res := u.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json"); res.TicketID == nil {
		t.Fatalf("webhook: %+v", res)
	}
	u.signIn()
	pages := []struct{ hash, ready, shot string }{
		{"#/integrations", `document.querySelector('.rule')`, "integrations-tablet"},
		{"#/rules", `document.querySelector('.rule')`, ""},
		{"#/maintenance", `document.querySelector('main .empty')`, ""},
		{"#/alerts", `document.querySelector('main tr[data-alert-id]')`, "alerts-tablet"},
		{"#/tickets", `document.querySelector('main tr[data-ticket-id]')`, ""},
		{"#/tickets/1", `document.querySelector('#comment-body')`, "ticket-tablet"},
	}
	for _, p := range pages {
		u.goTo(p.hash)
		u.waitJS(p.hash+" loaded", p.ready)
		var overflow int
		u.eval(`document.documentElement.scrollWidth - window.innerWidth`, &overflow)
		if overflow > 0 {
			t.Errorf("%s is %d px wider than the window", p.hash, overflow)
		}
		// Every form control has an accessible name.
		var unlabelled []string
		u.eval(`[...document.querySelectorAll('main input, main select, main textarea')].filter((el) => {
			if (el.type === 'hidden') return false;
			const named = el.labels && el.labels.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
			return !named;
		}).map((el) => el.outerHTML.slice(0, 80))`, &unlabelled)
		if len(unlabelled) > 0 {
			t.Errorf("%s has controls without a label: %v", p.hash, unlabelled)
		}
		if p.shot != "" {
			u.screenshot(p.shot)
		}
	}

	// Keyboard: Tab from the top reaches the skip link, then the navigation;
	// the focused element shows an outline.
	u.goTo("#/alerts")
	u.run("reload", chromedp.Reload())
	u.waitJS("alerts", `document.querySelector('main tr[data-alert-id]')`)
	u.run("tab", chromedpKeys(kb.Tab))
	var cls string
	u.eval(`document.activeElement.className`, &cls)
	if cls != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", cls)
	}
	u.run("tab", chromedpKeys(kb.Tab))
	var outline string
	u.eval(`(() => { const s = getComputedStyle(document.activeElement); return document.activeElement.textContent.trim() + ' ' + s.outlineStyle + ' ' + s.outlineWidth; })()`, &outline)
	if outline != "Integrations solid 3px" {
		t.Errorf("second Tab: %q, want the first navigation link with a 3px outline", outline)
	}
	// Enter on a focused navigation link navigates.
	u.eval(`document.querySelector('a.nav-link[href="#/tickets"]').focus(), true`, nil)
	u.run("enter", chromedpKeys(kb.Enter))
	u.waitJS("tickets page", `location.hash === '#/tickets' && document.querySelector('main h1').textContent === 'Tickets'`)
}
