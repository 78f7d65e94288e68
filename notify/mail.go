package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
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

// SMTP sends mail through a mail server: STARTTLS when the server offers
// it (implicit TLS on port 465), AUTH PLAIN when a user is set (net/smtp
// refuses it over an unencrypted link to anything but localhost).
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

// Send delivers m. Failures are wrapped with the SMTP step; 5xx answers
// come as *PermanentError.
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
	addr := net.JoinHostPort(s.Host, strconv.Itoa(port))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("notify: smtp: connect %s: %w", addr, err)
	}
	// net/smtp has no context: the deadline bounds the whole exchange.
	dl, _ := ctx.Deadline()
	_ = conn.SetDeadline(dl)
	tlsConf := s.tlsConfig()
	if port == 465 {
		conn = tls.Client(conn, tlsConf)
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return classify("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(helloName()); err != nil {
		return classify("EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && port != 465 {
		if err := c.StartTLS(tlsConf); err != nil {
			return classify("STARTTLS", err)
		}
	}
	if s.User != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return &PermanentError{fmt.Errorf("notify: smtp: %s offers no AUTH but a user is configured", addr)}
		}
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, s.Host)); err != nil {
			return classify("AUTH", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return classify("MAIL FROM", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return classify("RCPT TO", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return classify("DATA", err)
	}
	if err := w.Close(); err != nil {
		return classify("DATA", err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
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

// classify wraps an SMTP error; 5xx answers are permanent.
func classify(step string, err error) error {
	err = fmt.Errorf("notify: smtp: %s: %w", step, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return &PermanentError{err}
	}
	return err
}

// compose renders the message: headers, then the text as quoted-printable
// UTF-8. Header values are stripped of line breaks (no header injection).
func compose(from, to *mail.Address, m Mail, now time.Time) ([]byte, error) {
	var b bytes.Buffer
	header := func(k, v string) {
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
		b.WriteString(k + ": " + v + "\r\n")
	}
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", strings.NewReplacer("\r", " ", "\n", " ").Replace(m.Subject)))
	header("Date", now.Format(time.RFC1123Z))
	if m.MessageID != "" {
		header("Message-ID", "<"+m.MessageID+">")
	}
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(m.Text, "\n", "\r\n"))); err != nil {
		return nil, fmt.Errorf("notify: encode mail: %w", err)
	}
	if err := qp.Close(); err != nil {
		return nil, fmt.Errorf("notify: encode mail: %w", err)
	}
	return b.Bytes(), nil
}

// helloName is the name alertdesk greets mail servers with.
func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \r\n") {
		return h
	}
	return "localhost"
}
