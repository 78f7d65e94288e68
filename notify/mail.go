package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Mail is one plain-text email to one recipient.
type Mail struct {
	To        string
	Subject   string
	Text      string
	MessageID string // without angle brackets; optional
}

// A Mailer sends email.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// SMTP sends mail through a mail server with go-mail: STARTTLS when the
// server offers it (implicit TLS on port 465), AUTH PLAIN when a user is
// set (refused over an unencrypted link to anything but localhost).
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	// From is the sender, "name <address>" or a bare address.
	From string
	// Timeout bounds one send (default 30 s).
	Timeout time.Duration
	// TLS overrides the TLS configuration (tests); ServerName defaults to Host.
	TLS *tls.Config
}

// PermanentError is a mail server's final refusal (5xx), such as an
// unknown mailbox: trying again will not help.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Send delivers m. Failures are wrapped with the server's address; 5xx
// answers come as *PermanentError.
func (s *SMTP) Send(ctx context.Context, m Mail) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return &PermanentError{fmt.Errorf("notify: smtp: sender %q: %w", s.From, err)}
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return &PermanentError{fmt.Errorf("notify: smtp: recipient %q: %w", m.To, err)}
	}
	msg, err := compose(from, to, m, time.Now())
	if err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	port := s.Port
	if port == 0 {
		port = 587
	}
	d := &dialer{}
	defer d.close()
	opts := []gomail.Option{
		gomail.WithPort(port), gomail.WithTimeout(timeout), gomail.WithHELO(helloName()),
		gomail.WithTLSConfig(s.tlsConfig()), gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithDialContextFunc(d.dial),
	}
	if port == 465 {
		d.tls = s.tlsConfig()
		opts = append(opts, gomail.WithSSL())
	}
	if s.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.User), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return &PermanentError{fmt.Errorf("notify: smtp: %w", err)}
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(port))
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(addr, err)
	}
	return nil
}

// dialer opens a send's connection and closes it after the send, also
// when go-mail leaves it open (a failed greeting, STARTTLS or AUTH).
type dialer struct {
	// tls, when set, is implicit TLS (port 465).
	tls   *tls.Config
	conns []net.Conn
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{}
	var (
		c   net.Conn
		err error
	)
	if d.tls != nil {
		c, err = (&tls.Dialer{NetDialer: nd, Config: d.tls}).DialContext(ctx, network, addr)
	} else {
		c, err = nd.DialContext(ctx, network, addr)
	}
	if err == nil {
		d.conns = append(d.conns, c)
	}
	return c, err
}

func (d *dialer) close() {
	for _, c := range d.conns {
		_ = c.Close()
	}
}

func (s *SMTP) tlsConfig() *tls.Config {
	if s.TLS != nil {
		c := s.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = s.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
}

// classify wraps an SMTP error; 5xx answers are permanent, and so is a
// server without AUTH when a user is configured.
func classify(addr string, err error) error {
	err = fmt.Errorf("notify: smtp: %s: %w", addr, err)
	var (
		se *gomail.SendError
		te *textproto.Error
	)
	switch {
	case errors.As(err, &se) && se.ErrorCode() >= 500,
		errors.As(err, &te) && te.Code >= 500,
		strings.Contains(err.Error(), "server does not support SMTP AUTH"):
		return &PermanentError{err}
	}
	return err
}

// compose builds the message: the text as quoted-printable UTF-8. Header
// values are stripped of line breaks (no header injection).
func compose(from, to *mail.Address, m Mail, now time.Time) (*gomail.Msg, error) {
	oneLine := strings.NewReplacer("\r", " ", "\n", " ").Replace
	msg := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := msg.FromFormat(oneLine(from.Name), from.Address); err != nil {
		return nil, &PermanentError{fmt.Errorf("notify: smtp: sender %q: %w", from.Address, err)}
	}
	if err := msg.To(to.Address); err != nil {
		return nil, &PermanentError{fmt.Errorf("notify: smtp: recipient %q: %w", to.Address, err)}
	}
	msg.Subject(oneLine(m.Subject))
	msg.SetDateWithValue(now)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(oneLine(m.MessageID))
	}
	msg.SetUserAgent("alertdesk")
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, strings.ReplaceAll(m.Text, "\n", "\r\n"))
	return msg, nil
}

// helloName is the name alertdesk greets mail servers with.
func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}
