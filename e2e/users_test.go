package e2e_test

import (
	"testing"

	"github.com/alertdesk/alertdesk/ent/user"
)

// TestUsersRoleAndDeactivate: on the Users screen an admin makes a
// technician an admin and back, then deactivates them (after a
// confirmation): their token stops working at once, and they can be
// reactivated.
func TestUsersRoleAndDeactivate(t *testing.T) {
	u := newUI(t, 1280)
	token, id := u.NewToken(u.Demo.TenantID, "tina@demo.test", "technician")
	row := `tr[data-email="tina@demo.test"]`
	role := func() user.Role { return u.DB.User.GetX(u.Env.Ctx, id).Role }

	u.signIn()
	u.goTo("#/users")
	u.waitJS("users listed", `document.querySelector('`+row+`')`)
	u.setValue(row+` select[data-field="role"]`, "ADMIN")
	u.eventually("made an admin", func() bool { return role() == user.RoleAdmin })
	u.waitJS("list redrawn", `document.querySelector('`+row+` select[data-field="role"]').value === 'ADMIN'`)
	u.setValue(row+` select[data-field="role"]`, "TECHNICIAN")
	u.eventually("a technician again", func() bool { return role() == user.RoleTechnician })

	u.clickText(row+` button`, "Deactivate")
	u.clickText(`dialog[open] button`, "Deactivate")
	u.waitJS("shown deactivated", `(() => { const r = document.querySelector('`+row+`'); return r && r.textContent.includes('Deactivated'); })()`)
	if got := u.DB.User.GetX(u.Env.Ctx, id); got.DeactivatedAt == nil {
		t.Fatal("not deactivated")
	}
	if r := u.GraphQL(token, `{ me { id } }`, nil); r.Status != 401 {
		t.Errorf("deactivated user's token: %d %s", r.Status, r.Raw)
	}

	u.clickText(row+` button`, "Reactivate")
	u.waitJS("shown active", `(() => { const r = document.querySelector('`+row+`'); return r && r.textContent.includes('Active'); })()`)
	if got := u.DB.User.GetX(u.Env.Ctx, id); got.DeactivatedAt != nil {
		t.Error("not reactivated")
	}
}
