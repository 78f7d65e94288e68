package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
)

type adminStatus struct {
	ID        string
	Name      string
	IsClosed  bool
	IsDefault bool
	RetiredAt *string
}

type adminBoard struct {
	ID        string
	Name      string
	IsDefault bool
	RetiredAt *string
	Statuses  []adminStatus
}

func (u *UI) adminBoards() []adminBoard {
	u.T.Helper()
	var out struct{ Boards []adminBoard }
	u.gql(`{ boards(includeRetired: true) { id name isDefault retiredAt statuses(includeRetired: true) { id name isClosed isDefault retiredAt } } }`, nil, &out)
	return out.Boards
}

func boardNamed(t *testing.T, bs []adminBoard, name string) adminBoard {
	t.Helper()
	for _, b := range bs {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no board %q in %+v", name, bs)
	return adminBoard{}
}

func statusNames(ss []adminStatus) string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return strings.Join(n, ", ")
}

// toastSays waits for a toast holding part.
func (u *UI) toastSays(part string) {
	u.T.Helper()
	u.waitJS("toast "+part, fmt.Sprintf(`[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes(%q))`, part))
}

func TestBoardsAndStatusesScreen(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	u.signIn()
	u.goTo("#/boards")
	u.waitJS("boards listed", `document.querySelector('main section[data-board-id]')`)
	demo := u.adminBoards()[0]

	// A new board starts with its three statuses.
	u.clickText("main button", "New board")
	u.waitJS("editor open", `document.querySelector('dialog[open] form')`)
	u.clickText("dialog[open] button", "Create board")
	u.waitJS("name error", `(() => { const e = document.querySelector('dialog[open] .field[data-field="name"] .field-error'); return e && !e.hidden; })()`)
	u.typeInto(fieldInput("name", "input"), "Projects")
	u.clickText("dialog[open] button", "Create board")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("board shown", `[...document.querySelectorAll('main section[data-board-id] h2')].some((h) => h.textContent === 'Projects')`)
	projects := boardNamed(t, u.adminBoards(), "Projects")
	card := fmt.Sprintf(`main section[data-board-id="%s"] `, projects.ID)
	if got := statusNames(projects.Statuses); got != "Open, In Progress, Closed" {
		t.Errorf("new board's statuses: %s", got)
	}

	// Add a status, move it up, make it the default.
	u.typeInto(card+`input[aria-label="New status on Projects"]`, "Waiting")
	u.click(card + `form[data-testid="add-status"] button[type="submit"]`)
	u.waitJS("status added", fmt.Sprintf(`[...document.querySelectorAll(%q)].some((r) => r.textContent.includes('Waiting'))`, card+"tr[data-status-id]"))
	u.click(card + `button[aria-label="Move up Waiting"]`)
	u.eventually("Waiting above Closed", func() bool {
		return statusNames(boardNamed(t, u.adminBoards(), "Projects").Statuses) == "Open, In Progress, Waiting, Closed"
	})
	u.click(card + `button[aria-label="Make default Waiting"]`)
	u.eventually("Waiting default", func() bool {
		for _, s := range boardNamed(t, u.adminBoards(), "Projects").Statuses {
			if s.IsDefault != (s.Name == "Waiting") {
				return false
			}
		}
		return true
	})

	// Rename a status.
	u.waitJS("rename button", fmt.Sprintf(`document.querySelector(%q)`, card+`button[aria-label="Rename In Progress"]`))
	u.click(card + `button[aria-label="Rename In Progress"]`)
	u.waitJS("rename open", `document.querySelector('dialog[open] form')`)
	u.clear(fieldInput("name", "input"))
	u.typeInto(fieldInput("name", "input"), "Working")
	u.clickText("dialog[open] button", "Save")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("renamed", fmt.Sprintf(`[...document.querySelectorAll(%q)].some((r) => r.textContent.includes('Working'))`, card+"tr[data-status-id]"))

	// The only closed status stays: the refusal is shown.
	u.click(card + `button[aria-label="Retire Closed"]`)
	u.toastSays("needs a closed status")
	// Retire Working: it leaves the list until retired ones are shown.
	u.click(card + `button[aria-label="Retire Working"]`)
	u.waitJS("Working hidden", fmt.Sprintf(`![...document.querySelectorAll(%q)].some((r) => r.textContent.includes('Working'))`, card+"tr[data-status-id]"))
	u.click(`label[data-testid="show-retired"] input`)
	u.waitJS("Working shown retired", fmt.Sprintf(`[...document.querySelectorAll(%q)].some((r) => r.textContent.includes('Working') && r.textContent.includes('Retired'))`, card+"tr[data-status-id]"))

	// Projects becomes the default board; the old one is retired and leaves
	// the rule editor's board picker.
	u.click(`button[aria-label="Make Projects the default board"]`)
	u.eventually("Projects default", func() bool { return boardNamed(t, u.adminBoards(), "Projects").IsDefault })
	u.click(fmt.Sprintf(`button[aria-label="Retire board %s"]`, demo.Name))
	u.eventually("old board retired", func() bool { return boardNamed(t, u.adminBoards(), demo.Name).RetiredAt != nil })
	u.toastSays("Board " + demo.Name + " retired")
	u.screenshot("boards")
	u.goTo(fmt.Sprintf("#/rules/%d", ninja))
	u.waitJS("rules listed", `document.querySelectorAll('.rule').length === 1`)
	u.clickText("button", "+ New rule")
	u.waitJS("dialog open", `document.querySelector('dialog[open] form')`)
	var options string
	u.eval(`[...document.querySelector('dialog[open] .field[data-field="actions.boardId"] select').options].map((o) => o.textContent).join('|')`, &options)
	if strings.Contains(options, demo.Name) || !strings.Contains(options, "Projects (default)") {
		t.Errorf("rule board picker: %s", options)
	}
	var closed string
	u.eval(`[...document.querySelector('dialog[open] .field[data-field="actions.autoResolveStatusId"] select').options].map((o) => o.textContent).join('|')`, &closed)
	if strings.Contains(closed, "Working") {
		t.Errorf("closed status picker offers a retired status: %s", closed)
	}
}

func TestPrioritiesScreen(t *testing.T) {
	u := newUI(t, 1280)
	u.signIn()
	u.goTo("#/priorities")
	u.waitJS("priorities listed", `document.querySelector('main tr[data-priority-id]')`)
	u.clickText("main button", "New priority")
	u.waitJS("editor open", `document.querySelector('dialog[open] form')`)
	u.typeInto(fieldInput("name", "input"), "Emergency")
	u.clickText("dialog[open] button", "Create priority")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("listed", `[...document.querySelectorAll('main tr[data-priority-id]')].some((r) => r.textContent.includes('Emergency'))`)
	names := func() string {
		var out struct{ Priorities []struct{ Name string } }
		u.gql(`{ priorities { name } }`, nil, &out)
		var n []string
		for _, p := range out.Priorities {
			n = append(n, p.Name)
		}
		return strings.Join(n, ",")
	}
	before := names()
	if !strings.HasSuffix(before, ",Emergency") {
		t.Fatalf("priorities: %s", before)
	}
	u.click(`button[aria-label="Move up Emergency"]`)
	u.eventually("moved up", func() bool {
		n := names()
		return !strings.HasSuffix(n, ",Emergency") && strings.Contains(n, "Emergency")
	})
	u.click(`button[aria-label="Retire Emergency"]`)
	u.eventually("retired", func() bool { return !strings.Contains(names(), "Emergency") })
	u.waitJS("hidden", `![...document.querySelectorAll('main tr[data-priority-id]')].some((r) => r.textContent.includes('Emergency'))`)
}

func TestClientsAndAssetsScreen(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	u.signIn()
	u.goTo("#/clients")
	u.waitJS("clients listed", `document.querySelector('main tr[data-client-id]')`)

	u.clickText("main button", "New client")
	u.waitJS("editor open", `document.querySelector('dialog[open] form')`)
	u.typeInto(fieldInput("name", "input"), "Fabrikam")
	u.clickText("dialog[open] button", "Create client")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("listed", `[...document.querySelectorAll('main tr[data-client-id]')].some((r) => r.textContent.includes('Fabrikam'))`)

	// Search narrows the list.
	u.typeInto(`main input[type="search"]`, "fabri")
	u.waitJS("searched", `[...document.querySelectorAll('main tr[data-client-id]')].length === 1`)

	// Its assets: none yet; add one with a device link.
	u.click(`a[aria-label="Assets of Fabrikam"]`)
	u.waitJS("client page", `document.querySelector('main h1') && document.querySelector('main h1').textContent.includes('Fabrikam')`)
	u.clickText("main button", "New asset")
	u.waitJS("asset editor", `document.querySelector('dialog[open] form')`)
	u.typeInto(fieldInput("name", "input"), "FAB-DC01")
	u.clickText("dialog[open] button", "Add device link")
	u.setValue(`dialog[open] select[aria-label="Integration of device link 1"]`, fmt.Sprint(ninja))
	u.typeInto(`dialog[open] input[aria-label="Device id of device link 1"]`, "4242")
	// A second link to the same integration is refused next to it.
	u.clickText("dialog[open] button", "Add device link")
	u.setValue(`dialog[open] select[aria-label="Integration of device link 2"]`, fmt.Sprint(ninja))
	u.typeInto(`dialog[open] input[aria-label="Device id of device link 2"]`, "4243")
	u.clickText("dialog[open] button", "Create asset")
	u.waitJS("device error", `(() => { const e = document.querySelector('dialog[open] .field[data-field="devices[1].integrationId"] .field-error'); return e && !e.hidden && /one device per integration/i.test(e.textContent); })()`)
	u.click(`dialog[open] button[aria-label="Remove device link 2"]`)
	u.clickText("dialog[open] button", "Create asset")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("asset listed", `[...document.querySelectorAll('main tr[data-asset-id]')].some((r) => r.textContent.includes('FAB-DC01') && r.textContent.includes('device 4242'))`)
	u.screenshot("client-assets")

	// Edit: rename.
	u.click(`button[aria-label="Edit asset FAB-DC01"]`)
	u.waitJS("asset editor", `document.querySelector('dialog[open] form')`)
	u.clear(fieldInput("name", "input"))
	u.typeInto(fieldInput("name", "input"), "FAB-DC02")
	u.clickText("dialog[open] button", "Save asset")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("renamed", `[...document.querySelectorAll('main tr[data-asset-id]')].some((r) => r.textContent.includes('FAB-DC02'))`)

	// Retire the asset: hidden, then shown with the toggle.
	u.click(`button[aria-label="Retire asset FAB-DC02"]`)
	u.waitJS("asset hidden", `!document.querySelector('main tr[data-asset-id]')`)
	u.click(`label[data-testid="show-retired"] input`)
	u.waitJS("asset shown retired", `[...document.querySelectorAll('main tr[data-asset-id]')].some((r) => r.textContent.includes('FAB-DC02') && r.textContent.includes('Retired'))`)

	var out struct {
		Assets []struct {
			Name      string
			RetiredAt *string
			Client    struct{ Name string }
			Devices   []struct{ ExternalDeviceId string }
		}
	}
	u.gql(`{ assets(search: "FAB", includeRetired: true) { name retiredAt client { name } devices { externalDeviceId } } }`, nil, &out)
	if len(out.Assets) != 1 || out.Assets[0].Name != "FAB-DC02" || out.Assets[0].RetiredAt == nil || out.Assets[0].Client.Name != "Fabrikam" ||
		len(out.Assets[0].Devices) != 1 || out.Assets[0].Devices[0].ExternalDeviceId != "4242" {
		t.Errorf("assets: %+v", out.Assets)
	}

	// Retire the client from the list.
	u.goTo("#/clients")
	u.waitJS("clients listed", `document.querySelector('main tr[data-client-id]')`)
	u.click(`button[aria-label="Retire client Fabrikam"]`)
	u.waitJS("client hidden", `![...document.querySelectorAll('main tr[data-client-id]')].some((r) => r.textContent.includes('Fabrikam'))`)
}
