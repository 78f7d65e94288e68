package apptest

import (
	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
)

// CloseTicket closes a ticket as the demo admin.
func (e *Env) CloseTicket(id int) {
	e.T.Helper()
	e.tx(func(tx *ent.Tx) error {
		_, err := e.Desk.Close(e.Ctx, tx, e.Demo.TenantID, id, nil, desk.Person(e.Demo.AdminUserID))
		return err
	})
}

// HumanComment adds a comment by the demo admin (it touches the ticket).
func (e *Env) HumanComment(id int, body string) {
	e.T.Helper()
	e.tx(func(tx *ent.Tx) error {
		_, err := e.Desk.Comment(e.Ctx, tx, e.Demo.TenantID, id, body, false, desk.Person(e.Demo.AdminUserID))
		return err
	})
}

// LogTime logs minutes on a ticket as the demo admin.
func (e *Env) LogTime(id, minutes int) {
	e.T.Helper()
	e.tx(func(tx *ent.Tx) error {
		_, err := e.Desk.LogTime(e.Ctx, tx, e.Demo.TenantID, id, e.Demo.AdminUserID, minutes, "")
		return err
	})
}

func (e *Env) tx(fn func(tx *ent.Tx) error) {
	e.T.Helper()
	if err := e.Store.Tx(e.Ctx, fn); err != nil {
		e.T.Fatalf("desk: %v", err)
	}
}

// ChangeStatus moves a ticket to a status as the demo admin.
func (e *Env) ChangeStatus(id, statusID int) {
	e.T.Helper()
	e.tx(func(tx *ent.Tx) error {
		_, err := e.Desk.ChangeStatus(e.Ctx, tx, e.Demo.TenantID, id, statusID, desk.Person(e.Demo.AdminUserID))
		return err
	})
}
