package notify_test

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/notify/smtptest"
)

func TestSMTPSend(t *testing.T) {
	srv := smtptest.New(t)
	m := &notify.SMTP{Host: srv.Host(), Port: srv.Port(), User: "mailer", Password: "pw",
		From: "alertdesk <alerts@msp.example>", Timeout: 5 * time.Second}
	err := m.Send(context.Background(), notify.Mail{
		To: "tech@msp.example", Subject: "Ticket #4: Disk full\r\nBcc: evil@example.com — ünïcode",
		Text: "Line one\n.starts with a dot\nhttp://alertdesk.test/#/tickets/4\n", MessageID: "n-1@alertdesk"})
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	got := msgs[0]
	if got.From != "alerts@msp.example" || len(got.To) != 1 || got.To[0] != "tech@msp.example" || got.User != "mailer" {
		t.Errorf("envelope %+v", got)
	}
	parsed, err := mail.ReadMessage(strings.NewReader(got.Data))
	if err != nil {
		t.Fatalf("message does not parse: %v\n%s", err, got.Data)
	}
	h := parsed.Header
	for k, want := range map[string]string{"From": `"alertdesk" <alerts@msp.example>`, "To": "<tech@msp.example>",
		"Message-Id": "<n-1@alertdesk>", "Auto-Submitted": "auto-generated", "Content-Transfer-Encoding": "quoted-printable"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if ct, params, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || ct != "text/plain" || !strings.EqualFold(params["charset"], "utf-8") {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	// The subject is encoded, and its line break did not start a header.
	if !strings.HasPrefix(strings.ToLower(h.Get("Subject")), "=?utf-8?q?") {
		t.Errorf("subject not encoded: %q", h.Get("Subject"))
	}
	if subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || subj != "Ticket #4: Disk full  Bcc: evil@example.com — ünïcode" {
		t.Errorf("subject %q, %v", subj, err)
	}
	if _, ok := h["Bcc"]; ok {
		t.Errorf("header injected:\n%s", got.Data)
	}
	text, err := io.ReadAll(quotedprintable.NewReader(parsed.Body))
	if err != nil || !strings.Contains(string(text), "\r\n.starts with a dot\r\n") || !strings.Contains(string(text), "/#/tickets/4") {
		t.Errorf("body %q, %v", text, err)
	}
}

func TestSMTPFailures(t *testing.T) {
	srv := smtptest.New(t)
	m := &notify.SMTP{Host: srv.Host(), Port: srv.Port(), From: "alerts@msp.example", Timeout: 5 * time.Second}
	mail := notify.Mail{To: "tech@msp.example", Subject: "s", Text: "t"}
	cases := []struct {
		mode      smtptest.Mode
		permanent bool
	}{
		{smtptest.TempFail, false},
		{smtptest.Drop, false},
		{smtptest.Reject, true},
	}
	for _, c := range cases {
		srv.SetMode(c.mode)
		err := m.Send(context.Background(), mail)
		var perm *notify.PermanentError
		if err == nil || errors.As(err, &perm) != c.permanent {
			t.Errorf("mode %d: %v, want a failure (permanent %v)", c.mode, err, c.permanent)
		}
	}
	var perm *notify.PermanentError
	if err := m.Send(context.Background(), notify.Mail{To: "not an address"}); !errors.As(err, &perm) {
		t.Errorf("bad recipient: %v, want permanent", err)
	}
	// A user is configured but the server offers no AUTH: sending
	// unauthenticated would only be refused later, or relayed wrongly.
	srv.SetMode(smtptest.NoAuth)
	withUser := *m
	withUser.User, withUser.Password = "mailer", "pw"
	if err := withUser.Send(context.Background(), mail); !errors.As(err, &perm) {
		t.Errorf("no AUTH offered: %v, want permanent", err)
	}
	if len(srv.Messages()) != 0 {
		t.Error("a failed send delivered")
	}
}

// STARTTLS is used when offered, before AUTH; a certificate that does not
// verify stops the send rather than falling back to plain text.
func TestSMTPStartTLS(t *testing.T) {
	srv := smtptest.New(t)
	roots := srv.StartTLS(t)
	m := &notify.SMTP{Host: srv.Host(), Port: srv.Port(), User: "mailer", Password: "pw",
		From: "alerts@msp.example", Timeout: 5 * time.Second, TLS: roots}
	mail := notify.Mail{To: "tech@msp.example", Subject: "s", Text: "t"}
	if err := m.Send(context.Background(), mail); err != nil {
		t.Fatal(err)
	}
	if msgs := srv.Messages(); len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != "mailer" {
		t.Fatalf("messages %+v, want one over TLS, authenticated", msgs)
	}
	untrusted := *m
	untrusted.TLS = nil
	if err := untrusted.Send(context.Background(), mail); err == nil {
		t.Error("sent through a certificate that does not verify")
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages after the refused certificate, want 1", n)
	}
}
