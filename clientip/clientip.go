// Package clientip finds the address of a request's client when reverse
// proxies stand in front of the server. Without trusted proxies it is the
// connection's peer. Behind them, it is the rightmost X-Forwarded-For
// entry that is not itself a trusted proxy: entries left of it were
// written by the client and prove nothing, so throttling and connection
// caps key on an address the client cannot choose.
package clientip

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/alertdesk/alertdesk/outbound"
)

// Proxies are the prefixes of trusted reverse proxies.
type Proxies []netip.Prefix

// Parse reads a comma-separated list of CIDR prefixes or addresses
// ("10.0.0.0/8, 192.168.1.5"); the error names the wrong entry.
func Parse(s string) (Proxies, error) {
	p, err := outbound.ParseAllow(s)
	return Proxies(p), err
}

// Trusts reports whether addr (an IP, or host:port) is a trusted proxy.
func (p Proxies) Trusts(addr string) bool {
	a, ok := parse(addr)
	if !ok {
		return false
	}
	for _, pre := range p {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// Of is the client address of r.
func (p Proxies) Of(r *http.Request) string {
	peer := host(r.RemoteAddr)
	if !p.Trusts(peer) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parse(hops[i])
		if !ok {
			// Garbage a proxy passed on: the last address vouched for.
			return client
		}
		client = a.String()
		if !p.Trusts(client) {
			return client
		}
	}
	return client
}

func host(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

func parse(addr string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(host(addr))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}
