// Package smtptest runs a tiny SMTP server on 127.0.0.1 for tests: EHLO,
// STARTTLS (when enabled), AUTH PLAIN, MAIL FROM, RCPT TO, DATA, RSET,
// NOOP, QUIT. It records the messages it accepts and can be switched to
// answer 451 or 550, to offer no AUTH, or to drop connections, like a mail
// server that is down. Import it from tests only.
package smtptest

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Mode is how the server treats new sessions.
type Mode int

// Modes of the server.
const (
	// Accept takes every message.
	Accept Mode = iota
	// TempFail answers MAIL FROM with 451 (try again later).
	TempFail
	// Drop closes every connection at once, before the greeting.
	Drop
	// Reject answers RCPT TO with 550 (no such mailbox).
	Reject
	// NoAuth offers no AUTH extension.
	NoAuth
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	// Data is the message as sent (headers and body, CRLF line ends,
	// dot-stuffing undone).
	Data string
	// User is who authenticated, if anyone.
	User string
	// TLS says the session had switched to TLS (STARTTLS) when the
	// message came.
	TLS bool
}

// Server is a running fake SMTP server.
type Server struct {
	ln net.Listener

	mu       sync.Mutex
	tls      *tls.Config
	mode     Mode
	msgs     []Message
	sessions int
	wg       sync.WaitGroup
}

// New starts a server, closed when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s := &Server{ln: ln}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// Host is the address to connect to.
func (s *Server) Host() string { return "127.0.0.1" }

// Port is the listening port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// StartTLS makes the server offer STARTTLS with a self-signed certificate
// for 127.0.0.1, and returns a client configuration that trusts it.
func (s *Server) StartTLS(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	s.mu.Lock()
	s.tls = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	s.mu.Unlock()
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// SetMode switches how new sessions are treated.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
}

// Messages returns the accepted messages, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Sessions counts connections so far (dropped ones included).
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Close stops the server.
func (s *Server) Close() {
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.sessions++
		mode, tlsConf := s.mode, s.tls
		s.mu.Unlock()
		if mode == Drop {
			conn.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer conn.Close()
			s.session(conn, mode, tlsConf)
		}()
	}
}

// session speaks the protocol on one connection.
func (s *Server) session(conn net.Conn, mode Mode, tlsConf *tls.Config) {
	r := bufio.NewReader(conn)
	secure := false
	reply := func(lines ...string) bool {
		_, err := conn.Write([]byte(strings.Join(lines, "\r\n") + "\r\n"))
		return err == nil
	}
	if !reply("220 smtptest ESMTP ready") {
		return
	}
	var cur Message
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"250-smtptest greets " + arg, "250-8BITMIME"}
			if tlsConf != nil && !secure {
				lines = append(lines, "250-STARTTLS")
			}
			if mode != NoAuth {
				lines = append(lines, "250-AUTH PLAIN")
			}
			last := lines[len(lines)-1]
			lines[len(lines)-1] = "250 " + last[len("250-"):]
			reply(lines...)
		case "STARTTLS":
			if tlsConf == nil || secure {
				reply("502 command not implemented")
				continue
			}
			if !reply("220 ready to start TLS") {
				return
			}
			tc := tls.Server(conn, tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, r, secure = tc, bufio.NewReader(tc), true
			cur = Message{}
		case "HELO":
			reply("250 smtptest")
		case "AUTH":
			if mode == NoAuth {
				reply("502 command not implemented")
				continue
			}
			mech, initial, _ := strings.Cut(arg, " ")
			raw, err := base64.StdEncoding.DecodeString(initial)
			parts := strings.Split(string(raw), "\x00")
			if !strings.EqualFold(mech, "PLAIN") || err != nil || len(parts) != 3 {
				reply("535 authentication failed")
				continue
			}
			cur.User = parts[1]
			reply("235 authenticated")
		case "MAIL":
			if mode == TempFail {
				reply("451 4.3.0 try again later")
				continue
			}
			cur.From = address(arg)
			cur.To, cur.Data = nil, ""
			reply("250 ok")
		case "RCPT":
			if cur.From == "" {
				reply("503 MAIL first")
				continue
			}
			if mode == Reject {
				reply("550 5.1.1 no such mailbox")
				continue
			}
			cur.To = append(cur.To, address(arg))
			reply("250 ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("503 RCPT first")
				continue
			}
			reply("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.Data, cur.TLS = b.String(), secure
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			n := len(s.msgs)
			s.mu.Unlock()
			reply("250 ok: queued as " + strconv.Itoa(n))
			cur = Message{User: cur.User}
		case "RSET":
			cur = Message{User: cur.User}
			reply("250 ok")
		case "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 command not implemented")
		}
	}
}

// address takes the mailbox out of "FROM:<a@b> SIZE=…".
func address(arg string) string {
	_, rest, _ := strings.Cut(arg, ":")
	rest = strings.TrimSpace(rest)
	if i := strings.IndexByte(rest, '>'); strings.HasPrefix(rest, "<") && i > 0 {
		return rest[1:i]
	}
	return rest
}
