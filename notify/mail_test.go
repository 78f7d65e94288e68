package notify_test

import (
	"context"
	"errors"
	"io"
	"mime/quotedprintable"
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
	head, body, _ := strings.Cut(got.Data, "\r\n\r\n")
	for _, want := range []string{"From: \"alertdesk\" <alerts@msp.example>", "To: <tech@msp.example>",
		"Message-ID: <n-1@alertdesk>", "Content-Type: text/plain; charset=utf-8", "Subject: =?utf-8?q?"} {
		if !strings.Contains(head, want) {
			t.Errorf("headers lack %q:\n%s", want, head)
		}
	}
	if strings.Contains(head, "\r\nBcc:") {
		t.Errorf("header injected:\n%s", head)
	}
	text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
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
	if len(srv.Messages()) != 0 {
		t.Error("a failed send delivered")
	}
}
