// Package outbound guards the HTTP requests alertdesk makes on behalf of
// tenants (workflow webhooks, RMM APIs): an address a tenant names must
// not reach alertdesk's own host or network. Loopback, link-local,
// private, shared (CGNAT), multicast, unspecified and reserved addresses
// are refused, both when a URL is saved and when a connection is dialed
// (on the resolved address, so a name that later resolves elsewhere
// cannot pass); prefixes on the allowlist (ALERTDESK_OUTBOUND_ALLOW) are
// reachable anyway, for RMMs on the premises.
package outbound

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// AllowEnv is the setting that lists the allowed prefixes.
const AllowEnv = "ALERTDESK_OUTBOUND_ALLOW"

// blocked are the ranges refused unless allowed, with what they are.
// IPv4-mapped IPv6 addresses are unmapped before the check, and the IPv4
// address inside NAT64 and 6to4 addresses is checked as well.
var blocked = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "a private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "a loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "a link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "a private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "a reserved"},
	{netip.MustParsePrefix("192.168.0.0/16"), "a private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a reserved (benchmarking)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "a multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved"},
	{netip.MustParsePrefix("::/128"), "an unspecified"},
	{netip.MustParsePrefix("::1/128"), "a loopback"},
	{netip.MustParsePrefix("fc00::/7"), "a private (unique local)"},
	{netip.MustParsePrefix("fe80::/10"), "a link-local"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local"},
	{netip.MustParsePrefix("ff00::/8"), "a multicast"},
}

// embeddedV4 are IPv6 ranges that carry an IPv4 address in their low
// (NAT64, IPv4-compatible) or high (6to4) bits.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	v4compat  = netip.MustParsePrefix("::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// classify says what kind of forbidden address a is ("a loopback"), or ""
// for an address on the public internet.
func classify(a netip.Addr) string {
	a = a.WithZone("").Unmap()
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return b.kind
		}
	}
	if a.Is6() {
		s := a.As16()
		switch {
		case nat64.Contains(a), v4compat.Contains(a):
			return classify(netip.AddrFrom4([4]byte(s[12:16])))
		case sixToFour.Contains(a):
			return classify(netip.AddrFrom4([4]byte(s[2:6])))
		}
	}
	return ""
}

// allowed reports whether a is inside one of the prefixes.
func allowed(a netip.Addr, allow []netip.Prefix) bool {
	a = a.WithZone("").Unmap()
	for _, p := range allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseAllow reads a comma-separated list of CIDR prefixes or single
// addresses ("10.20.0.0/16, 192.168.1.5, fd00::/8"). The error names the
// entry that is wrong.
func ParseAllow(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if a, err := netip.ParseAddr(f); err == nil && a.Zone() == "" {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR prefix (such as 10.0.0.0/8) or an IP address", f)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		if p != p.Masked() {
			return nil, fmt.Errorf("%q has bits set past its /%d (did you mean %s?)", f, p.Bits(), p.Masked())
		}
		out = append(out, p)
	}
	return out, nil
}

// legacyIPv4 parses the forms inet_aton accepts besides a.b.c.d: one to
// four parts, each decimal, octal (leading 0) or hex (0x), the last part
// filling the remaining bytes ("2130706433", "0177.0.0.1", "0x7f.1").
// Some resolvers turn these into addresses, so they are never treated as
// names.
func legacyIPv4(host string) (netip.Addr, bool) {
	parts := strings.Split(host, ".")
	if len(parts) > 4 || host == "" {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := 10, p
		switch {
		case len(p) > 1 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if digits == "" && base != 16 {
			return netip.Addr{}, false
		}
		if digits == "" {
			digits = "0"
		}
		v, err := strconv.ParseUint(digits, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 0xff {
			return netip.Addr{}, false
		}
		n |= v << (8 * (3 - i))
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) {
		return netip.Addr{}, false
	}
	n |= last
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}
