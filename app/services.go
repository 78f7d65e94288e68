package app

import (
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// Connect is the integration connect service (NinjaOne OAuth and client
// credentials, TacticalRMM API key, disconnect) for the API and the OAuth
// callback. A connect polls at once through the task queue.
func (a *App) Connect() *connect.Service {
	return &connect.Service{
		Store: a.Store, Redis: a.Redis, Secrets: a.Secrets, Outbound: a.Outbound,
		PublicURL: a.Config.PublicURL, NinjaOne: a.Config.NinjaOne,
		Poller: worker.NewEnqueuer(a.Store, a.Redis, ""), Log: a.Log,
	}
}

// Events is the workflow webhook subscription service for the API.
func (a *App) Events() *workflow.Service {
	return &workflow.Service{Store: a.Store, Secrets: a.Secrets, Outbound: a.Outbound}
}

// registerConsumers adds the outbox consumers that live outside package
// worker: workflow webhooks (next to the live feed) and notifications.
func (a *App) registerConsumers(w *worker.Worker) {
	workflow.Register(w, a.Redis, &workflow.Deliverer{Store: a.Store, Secrets: a.Secrets, Outbound: a.Outbound, Log: a.Log})
	mailer := a.Mailer()
	if mailer == nil {
		a.Log.Info("ALERTDESK_SMTP_HOST is not set: notification emails are off")
	}
	notify.Register(w, &notify.Consumer{Store: a.Store, Redis: a.Redis, Mailer: mailer, PublicURL: a.Config.PublicURL, Log: a.Log})
}

// Mailer sends email through the configured mail server; nil without one.
func (a *App) Mailer() notify.Mailer {
	c := a.Config.SMTP
	if c.Host == "" {
		return nil
	}
	return &notify.SMTP{Host: c.Host, Port: c.Port, User: c.User, Password: c.Password, From: c.From}
}
