package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// ErrRefused is wrapped by every refusal of a destination.
var ErrRefused = errors.New("outbound: destination refused")

// RefusedError says why a host may not be reached.
type RefusedError struct {
	Host string
	// Addr is the forbidden address the host is or resolved to (invalid
	// when the host was refused for its form).
	Addr   netip.Addr
	Reason string
}

func (e *RefusedError) Error() string { return "outbound: " + e.Reason }

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Resolver looks up a host name's addresses; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides which destinations may be reached and dials only those.
// The zero value (and a nil *Guard) allows nothing but the public
// internet, resolving through net.DefaultResolver.
type Guard struct {
	// Allow lists prefixes reachable although they are private, loopback
	// and so on (ALERTDESK_OUTBOUND_ALLOW), such as an RMM on premises.
	Allow []netip.Prefix
	// Resolver resolves host names (default net.DefaultResolver).
	Resolver Resolver
	// DialTimeout bounds one connection attempt (default 10 s).
	DialTimeout time.Duration
}

// New returns a guard that allows the given prefixes besides the public
// internet.
func New(allow []netip.Prefix) *Guard { return &Guard{Allow: allow} }

func (g *Guard) allow() []netip.Prefix {
	if g == nil {
		return nil
	}
	return g.Allow
}

func (g *Guard) resolver() Resolver {
	if g == nil || g.Resolver == nil {
		return net.DefaultResolver
	}
	return g.Resolver
}

func (g *Guard) dialTimeout() time.Duration {
	if g == nil || g.DialTimeout <= 0 {
		return 10 * time.Second
	}
	return g.DialTimeout
}

// checkAddr refuses an address outside the public internet unless the
// allowlist has it. strict (for credentials sent in clear) refuses every
// address the allowlist does not have.
func (g *Guard) checkAddr(host string, a netip.Addr, strict bool) error {
	if allowed(a, g.allow()) {
		return nil
	}
	a = a.WithZone("")
	if kind := classify(a); kind != "" {
		return &RefusedError{Host: host, Addr: a, Reason: describe(host, a) + " is " + kind + " address; allow it with " + AllowEnv}
	}
	if strict {
		return &RefusedError{Host: host, Addr: a, Reason: describe(host, a) + " is not on " + AllowEnv + ", so credentials are not sent to it over plain http; use https"}
	}
	return nil
}

func describe(host string, a netip.Addr) string {
	if host == "" || host == a.String() {
		return a.String()
	}
	return fmt.Sprintf("%s (%s)", host, a)
}

// CheckAddr reports whether an address may be reached.
func (g *Guard) CheckAddr(a netip.Addr) error { return g.checkAddr("", a, false) }

// literal parses a host that is an address: IPv4, IPv6 (with or without
// brackets and zone) or one of the legacy IPv4 forms. A legacy form that
// would reach an allowed address is still refused, since resolvers
// disagree on what it means.
func literal(host string) (netip.Addr, bool, error) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a, true, nil
	}
	if a, ok := legacyIPv4(h); ok {
		if kind := classify(a); kind != "" {
			return a, true, &RefusedError{Host: host, Addr: a, Reason: fmt.Sprintf("%s is %s, %s address", host, a, kind)}
		}
		return a, true, &RefusedError{Host: host, Addr: a, Reason: fmt.Sprintf("%s must be written as a dotted address (%s)", host, a)}
	}
	return netip.Addr{}, false, nil
}

// Resolve returns the addresses of host (an address or a name), refusing
// the host when any of them may not be reached.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	return g.resolve(ctx, host, false)
}

func (g *Guard) resolve(ctx context.Context, host string, strict bool) ([]netip.Addr, error) {
	if host == "" {
		return nil, &RefusedError{Reason: "no host"}
	}
	if a, ok, err := literal(host); ok {
		if err != nil {
			return nil, err
		}
		if err := g.checkAddr(host, a, strict); err != nil {
			return nil, err
		}
		return []netip.Addr{a}, nil
	}
	addrs, err := g.resolver().LookupNetIP(ctx, "ip", strings.TrimSuffix(host, "."))
	if err != nil {
		return nil, fmt.Errorf("outbound: resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("outbound: %s has no addresses", host)
	}
	// One forbidden answer refuses the name: a mix of public and private
	// answers is how rebinding is tried.
	for _, a := range addrs {
		if err := g.checkAddr(host, a, strict); err != nil {
			return nil, err
		}
	}
	return addrs, nil
}

// CheckURL is the check made when a URL is saved: an absolute http or
// https URL whose host is, or resolves to, addresses that may be reached.
// A name that does not resolve now is accepted (the dial checks it
// again). credentials says requests to it carry credentials: plain http
// then needs the host on the allowlist. The error is a message for the
// field ("must ...") or a *RefusedError.
func (g *Guard) CheckURL(ctx context.Context, raw string, credentials bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("must be an absolute http or https URL")
	}
	if u.User != nil {
		return errors.New("must not carry a user name or password")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = g.resolve(ctx, u.Hostname(), credentials && u.Scheme == "http")
	var re *RefusedError
	if errors.As(err, &re) {
		return re
	}
	return nil
}

// DialContext connects to address (host:port) after resolving the host
// and checking every address; it is the Transport's dialer, so the check
// applies to the address actually dialed.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return g.dial(ctx, network, address, false)
}

func (g *Guard) dial(ctx context.Context, network, address string, strict bool) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("outbound: %w", err)
	}
	addrs, err := g.resolve(ctx, host, strict)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: g.dialTimeout()}
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// Message is the validation message of a URL field that CheckURL refused
// ("" when err is nil).
func Message(err error) string {
	if err == nil {
		return ""
	}
	var re *RefusedError
	if errors.As(err, &re) {
		return "is refused: " + re.Reason
	}
	return err.Error()
}
