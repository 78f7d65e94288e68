package app

import (
	"context"

	"github.com/alertdesk/alertdesk/provision"
)

// firstRun serves the UI's first-run screen, its code derived from the
// secret key that every replica shares.
func (a *App) firstRun() *provision.FirstRun {
	return &provision.FirstRun{Store: a.Store, Code: a.setupCode, Log: a.Log}
}

// announceSetup says in the log how to set up an installation that has no
// tenant yet: the UI's first-run link carries the code.
func (a *App) announceSetup(ctx context.Context) {
	if !a.Config.RunsAPI() {
		return
	}
	needed, err := provision.Needed(ctx, a.Store)
	if err != nil || !needed {
		return
	}
	a.Log.Warn("no tenant yet: open the first-run link to set one up, or run `alertdesk init`",
		"link", a.Config.PublicURL+"/#/setup/"+a.setupCode)
}
