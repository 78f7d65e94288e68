package signin

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/userlink"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/people"
)

// Links sends one-time links. Without a Mailer the link is written to the
// log, so a fresh installation without SMTP can still be used.
type Links struct {
	Mailer    notify.Mailer
	PublicURL string
	Log       *slog.Logger
}

// URL is where a link's token is used: the UI's page that sets the
// password.
func (l *Links) URL(token string) string {
	return strings.TrimRight(l.PublicURL, "/") + "/#/password?token=" + token
}

// Send emails the link to u, or logs it when there is no mail server.
func (l *Links) Send(ctx context.Context, u *ent.User, kind userlink.Kind, token string) error {
	link := l.URL(token)
	var subject, text string
	switch kind {
	case people.KindInvite:
		subject = "You are invited to alertdesk"
		text = fmt.Sprintf("Hello %s,\n\nyou are invited to alertdesk. Set your password here (the link works once, for %d days):\n\n%s\n",
			nameOr(u), int(people.InviteLifetime.Hours()/24), link)
	default:
		subject = "Reset your alertdesk password"
		text = fmt.Sprintf("Hello %s,\n\nsomeone asked to reset your alertdesk password. If it was you, set a new one here (the link works once, for %d minutes):\n\n%s\n\nIf it was not you, ignore this email.\n",
			nameOr(u), int(people.ResetLifetime.Minutes()), link)
	}
	if l.Mailer == nil {
		l.log().InfoContext(ctx, "no mail server (ALERTDESK_SMTP_HOST): here is the link instead",
			"kind", string(kind), "email", u.Email, "link", link)
		return nil
	}
	if err := l.Mailer.Send(ctx, notify.Mail{To: u.Email, Subject: subject, Text: text}); err != nil {
		return fmt.Errorf("signin: send %s link to %s: %w", kind, u.Email, err)
	}
	return nil
}

func nameOr(u *ent.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

func (l *Links) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}
