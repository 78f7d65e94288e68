package outbound

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// Hosts is a Resolver that answers from a fixed table, for tests; a name
// it does not have is not found.
type Hosts map[string][]netip.Addr

// LookupNetIP implements Resolver.
func (h Hosts) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := h[strings.ToLower(host)]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}
